"""What registration derives from a manifest alone, without the database.

The manifest's hash (idempotence), the columns an automation manifest decides, and, for
an automation the batch will create, its stored JSON and its ``automation.created``
audit event (after and diff). :func:`prepare` computes them once per document; for a
large ``govern register`` it runs in the worker processes that parse the files
(``govern.registry.loading``), so this module imports nothing heavy (no SQLAlchemy).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from types import SimpleNamespace
from typing import Any, NamedTuple

from govern.registry.manifest import Document, identity, normalise_asset_key


def _encoder(**options: Any) -> Callable[[Any], str]:
    """``json.dumps`` with ``options``, without its per-call set-up (a third of a small
    document's time): one C encoder, reused. Anything it cannot encode alike (a cycle,
    a type JSON does not know) goes to ``json.dumps`` itself, which answers or raises
    as usual."""
    from json.encoder import c_make_encoder, encode_basestring_ascii

    plain = json.JSONEncoder(**options)
    if c_make_encoder is None:  # pragma: no cover - CPython always has _json
        return plain.encode
    separators = options.get("separators", (", ", ": "))
    encode = c_make_encoder(
        None,  # no cycle check: a cycle recurses until it fails, then json.dumps raises
        plain.default,
        encode_basestring_ascii,
        None,
        separators[1],
        separators[0],
        options.get("sort_keys", False),
        False,
        True,
    )

    def dumps(value: Any) -> str:
        try:
            return "".join(encode(value, 0))
        except Exception:
            return plain.encode(value)

    sample = {"b": [1, 2.5, None, True, "é\n"], "a": {"x": float("inf")}}
    return dumps if dumps(sample) == plain.encode(sample) else plain.encode


#: ``json.dumps(value)``: what SQLAlchemy's JSON type stores (its default serialiser).
to_json = _encoder()
_canonical = _encoder(sort_keys=True, separators=(",", ":"), default=str)
#: JSON ``null``, what a JSON column stores for None.
NULL = "null"


def manifest_hash(body: dict[str, Any]) -> str:
    clean = {k: v for k, v in body.items() if k != "$schema"}
    return hashlib.sha256(_canonical(clean).encode()).hexdigest()


def diff(before: dict[str, Any] | None, after: dict[str, Any] | None) -> list[dict[str, Any]]:
    """Field-level changes between two flat-ish snapshots (nested values compared whole)."""
    before = before or {}
    after = after or {}
    changes = []
    for key in sorted(set(before) | set(after)):
        old, new = before.get(key), after.get(key)
        if old != new:
            changes.append({"field": key, "before": old, "after": new})
    return changes


def automation_snapshot(a: Any) -> dict[str, Any]:
    """What an owner, reviewer or scanner changes; the audit log's before/after.

    Declared edges are listed by asset name (not the whole manifest), so each audit
    event stays small and its diff names exactly what changed.
    """
    spec = (a.manifest or {}).get("spec", {})
    return {
        "title": a.title,
        "description": a.description,
        "platform": a.platform,
        "trigger": a.trigger,
        "owner": a.owner_email,
        "backupOwner": a.backup_owner_email,
        "justification": a.justification,
        "criticality": a.criticality,
        "track": a.track,
        "lifecycle": a.lifecycle,
        "location": a.location,
        "origin": a.origin,
        "reconciliationState": a.reconciliation_state,
        "reviewState": a.review_state,
        "tags": list(a.tags or []),
        "reads": [r.get("asset") for r in spec.get("reads", [])],
        "writes": [r.get("asset") for r in spec.get("writes", [])],
        "calls": [r.get("asset") for r in spec.get("calls", [])],
        "triggers": list(spec.get("triggers", [])),
    }


def declared_columns(meta: dict[str, Any], spec: dict[str, Any]) -> dict[str, Any]:
    """The automation columns a manifest alone decides (the registry adds the department,
    from the owner's record, and ``uses_ai``, from the assets it calls)."""
    trigger = spec.get("trigger") or {}
    values = {
        "title": meta.get("title", ""),
        "description": meta.get("description", ""),
        "tags": list(meta.get("tags", [])),
        "annotations": dict(meta.get("annotations", {})),
        "platform": spec["platform"],
        "owner_email": spec["owner"].lower(),
        "backup_owner_email": (spec.get("backupOwner") or "").lower() or None,
        "justification": spec.get("justification", ""),
        "criticality": spec.get("criticality", "low"),
        "track": spec.get("track", "sandbox"),
        "trigger": trigger,
        "trigger_type": trigger.get("type"),
        "schedule": trigger.get("cron"),
        "location": spec.get("location"),
    }
    if "fingerprint" in spec:
        values["fingerprint"] = spec["fingerprint"]
    return values


#: The columns of an automation the registry creates from a manifest (besides its key).
CREATED_STATE = {
    "origin": "declared",
    "reconciliation_state": "registered",
    "review_state": "pending",
}


#: The sections of an automation manifest that name assets.
ASSET_MODES = ("reads", "writes", "calls")
#: The JSON columns of a new automation that :class:`Prepared` holds as text.
JSON_TEXTS = ("manifest", "trigger", "tags", "annotations")


class Prepared(NamedTuple):
    """What :func:`prepare` derived from one valid document (JSON as text)."""

    digest: str
    #: Automation manifests: the identity key, :func:`declared_columns`, the JSON
    #: columns of a new row (``JSON_TEXTS``, in that order), and the
    #: ``automation.created`` event's after and diff, used when the batch creates it.
    key: str | None = None
    columns: dict[str, Any] | None = None
    texts: tuple[str, ...] | None = None
    created_after: str | None = None
    created_diff: str | None = None
    #: The people (owner, backup owner) and assets (normalised) it names.
    emails: tuple[str, ...] = ()
    asset_keys: tuple[str, ...] = ()


def prepare(doc: Document) -> Prepared:
    """Everything registration derives from a valid document alone."""
    body = doc.body
    digest = manifest_hash(body)
    if doc.kind != "Automation":
        return Prepared(digest)
    meta, spec = body["metadata"], body["spec"]
    columns = declared_columns(meta, spec)
    texts = (
        to_json(body),
        to_json(columns["trigger"]),
        to_json(columns["tags"]),
        to_json(columns["annotations"]),
    )
    created = SimpleNamespace(
        **columns, **CREATED_STATE, lifecycle=spec.get("lifecycle", "active"), manifest=body
    )
    after, changes = created_event(automation_snapshot(created))
    emails = tuple(e.lower() for e in (spec.get("owner"), spec.get("backupOwner")) if e)
    asset_keys = tuple(
        normalise_asset_key(r["asset"]) for m in ASSET_MODES for r in spec.get(m, [])
    )
    return Prepared(digest, identity(body)[1], columns, texts, after, changes, emails, asset_keys)


def created_event(after: dict[str, Any]) -> tuple[str, str]:
    """``to_json(after)`` and ``to_json(diff(None, after))`` (every field that has a value,
    sorted), made from one encoding of each value (the snapshot's keys are plain names)."""
    values = [(key, value, to_json(value)) for key, value in after.items()]
    whole = "{" + ", ".join(f'"{key}": {text}' for key, _, text in values) + "}"
    changes = ", ".join(
        f'{{"field": "{key}", "before": null, "after": {text}}}'
        for key, value, text in sorted(values, key=_first)
        if value is not None
    )
    return whole, f"[{changes}]"


def _first(item: tuple) -> Any:
    return item[0]


def prepared(doc: Document) -> Prepared:
    """The document's :class:`Prepared`, computed now unless a worker already did."""
    if doc.prepared is None:
        doc.prepared = prepare(doc)
    return doc.prepared
