"""Content fingerprints that survive whitespace, IDs and position churn.

Two copies of one automation (re-exported, re-indented, nodes moved on the canvas,
new node IDs) get the same fingerprint; the raw ``content_hash`` still changes so
edits are detected.
"""

from __future__ import annotations

import hashlib
import json
import re
from typing import Any

VOLATILE_KEYS = frozenset(
    {
        "id",
        "ids",
        "versionid",
        "position",
        "x",
        "y",
        "z",
        "w",
        "h",
        "createdat",
        "updatedat",
        "created_at",
        "last_changed",
        "instanceid",
        "webhookid",
        "meta",
        "pindata",
        "staticdata",
        "triggercount",
        "shared",
        "metadata",
        "designer",
        "wires",
        "g",
        "color",
        "width",
        "height",
        "createdtime",
        "lastmodifiedtime",
        "changedtime",
        "connectionid",
        "root_id",
        "parent_id",
        "account_id",
        "customuser_id",
        "authentication_id",
        "sap2010:workflowviewstate.idref",
    }
)
_ID_LIKE = re.compile(
    r"\b[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}\b"
    r"|\b[0-9a-f]{6,16}\.[0-9a-f]{3,8}\b|\b[0-9a-f]{16,64}\b"
)
_COMMENT_LINE = re.compile(r"(?m)^\s*(?:#|//|'|REM\s|::|;).*$")
_WS = re.compile(r"\s+")
_VIEWSTATE = re.compile(
    r"(?s)<sap2010:WorkflowViewState\.ViewStateManager>.*?</sap2010:WorkflowViewState\.ViewStateManager>|\s(?:sap2010:WorkflowViewState\.IdRef|sap:VirtualizedContainerService\.HintSize)=\"[^\"]*\""
)


def _digest(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()[:32]


def content_hash(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _canonical(value: Any) -> Any:
    if isinstance(value, dict):
        return {
            k: _canonical(v) for k, v in sorted(value.items()) if k.lower() not in VOLATILE_KEYS
        }
    if isinstance(value, list):
        items = [_canonical(v) for v in value]
        if items and all(isinstance(i, dict) for i in items):
            return sorted(items, key=lambda i: json.dumps(i, sort_keys=True, default=str))
        return items
    if isinstance(value, str):
        return _ID_LIKE.sub("#", value.strip())
    return value


def of_json(document: Any) -> str:
    """Structural fingerprint: volatile keys dropped, lists of objects sorted, IDs masked."""
    text = json.dumps(_canonical(document), sort_keys=True, separators=(",", ":"), default=str)
    return _digest(text)


def of_text(text: str, *, strip_comments: bool = False) -> str:
    """Whitespace-insensitive fingerprint of code; optionally ignores comment lines."""
    if "<sap2010" in text or "VirtualizedContainerService" in text:
        text = _VIEWSTATE.sub("", text)
    if strip_comments:
        text = _COMMENT_LINE.sub("", text)
    return _digest(_WS.sub(" ", text).strip())
