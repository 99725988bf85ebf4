"""Helpers shared by detectors: derived-text enrichment, JSON walking, verbs."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from govern.scanner import secrets, signals
from govern.scanner.artifact import Artifact
from govern.scanner.model import Finding

READ_VERB = re.compile(
    r"(?i)^(get|list|read|on|search|find|fetch|lookup|download|watch|query|select|execute)"
)
WRITE_VERB = re.compile(
    r"(?i)^(create|update|send|post|patch|append|insert|upsert|delete|upload|write|add|set|put|"
    r"reply|forward|move|copy|publish|share)"
)


def enrich_text(f: Finding, art: Artifact, text: str, *, line_offset: int = 0) -> None:
    """Secrets and generic signals from text the detector extracted (notebook code, VBA)."""
    lowered = text.lower()
    if len(lowered) != len(text):
        lowered = text.encode("ascii", "replace").decode().lower()
    hits = art.ctx.matcher.scan(lowered)
    for s in secrets.find_secrets(text, hits, art.ctx.secret_key, ignore_text=f.ignore_text):
        s["line"] += line_offset
        f.secrets.append(s)
    signals.extract(f, text, hits)


def walk(obj: Any, path: str = "") -> Iterator[tuple[str, Any, Any]]:
    """(path, key, value) for every value in a JSON document, depth-first."""
    stack = [(path, None, obj)]
    while stack:
        p, k, v = stack.pop()
        yield p, k, v
        if isinstance(v, dict):
            stack.extend((f"{p}.{kk}", kk, vv) for kk, vv in v.items())
        elif isinstance(v, list):
            stack.extend((f"{p}[{i}]", k, vv) for i, vv in enumerate(v))


def strings(obj: Any) -> Iterator[str]:
    for _, _, value in walk(obj):
        if isinstance(value, str):
            yield value


def verb_mode(verb: str) -> str | None:
    if WRITE_VERB.match(verb or ""):
        return "write"
    if READ_VERB.match(verb or ""):
        return "read"
    return None


def service_asset(service: str, resource: str = "") -> str:
    """A SaaS connector/app named as an asset: ``saas://<service>[/<resource>]``."""
    service = re.sub(r"[^a-z0-9.\-]+", "-", service.lower()).strip("-") or "unknown"
    resource = re.sub(r"[\s]+", " ", str(resource or "")).strip()[:200]
    return f"saas://{service}" + (f"/{resource}" if resource else "")


def add_mode(f: Finding, asset: str, mode: str | None) -> None:
    if mode == "write":
        f.writes.add(asset)
    elif mode == "read":
        f.reads.add(asset)
    else:
        f.calls.add(asset)


def is_expression(value: Any) -> bool:
    return isinstance(value, str) and (
        value.startswith("=") or "{{" in value or value.startswith("@")
    )


def first_line_comment_name(text: str) -> str | None:
    match = re.search(r"(?m)^\s*(?:#|//|')\s*(?:name|title)\s*[:=]\s*(.+)$", text[:2000], re.I)
    return match.group(1).strip()[:200] if match else None
