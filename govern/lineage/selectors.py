"""Asset selectors: which assets a flow starts from or ends at.

A selector is a dict (keys ANDed, every key optional) that the policy engine writes
directly, or a short string people type in the API and CLI:

    restricted                      -> {"min_classification": "restricted"}
    classification=restricted       -> {"classification": ["restricted"]}
    external=true,approved=false    -> {"external": True, "approved": False}
    ai                              -> {"ai": True}
    tags=pii|financial,kind=spreadsheet
"""

from __future__ import annotations

from typing import Any

from govern.registry.manifest import normalise_asset_key
from govern.registry.models.vocab import ASSET_KINDS, CLASSIFICATION_RANK, CLASSIFICATIONS

LIST_KEYS = ("classification", "tags", "kind", "keys")
BOOL_KEYS = ("external", "approved", "ai")
SELECTOR_KEYS = (
    "classification",
    "min_classification",
    "tags",
    "external",
    "approved",
    "kind",
    "ai",
    "keys",
)
SHORTHANDS: dict[str, dict[str, Any]] = {
    "external": {"external": True},
    "internal": {"external": False},
    "ai": {"ai": True},
    "approved": {"approved": True},
    "unapproved": {"approved": False},
    "any": {},
    "*": {},
}
_TRUE = {"true", "yes", "1", "on"}
_FALSE = {"false", "no", "0", "off"}


class SelectorError(ValueError):
    """A selector names an unknown key or value; the message says what is allowed."""


def _bool(key: str, value: Any) -> bool:
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text in _TRUE:
        return True
    if text in _FALSE:
        return False
    raise SelectorError(f"{key}={value!r} is not true or false")


def validate(selector: dict[str, Any] | None) -> dict[str, Any]:
    """Check a selector dict and return it normalised (lists as lists, booleans as bool)."""
    if selector is None:
        return {}
    if not isinstance(selector, dict):
        raise SelectorError(
            "a selector must be an object such as {'classification': ['restricted']}"
        )
    clean: dict[str, Any] = {}
    for key, value in selector.items():
        if key not in SELECTOR_KEYS:
            raise SelectorError(
                f"unknown selector key {key!r}; use one of: {', '.join(SELECTOR_KEYS)}"
            )
        if key in BOOL_KEYS:
            clean[key] = _bool(key, value)
        elif key == "min_classification":
            if value not in CLASSIFICATION_RANK:
                raise SelectorError(
                    f"min_classification={value!r}; use one of: {', '.join(CLASSIFICATIONS)}"
                )
            clean[key] = value
        else:
            values = [value] if isinstance(value, str) else list(value or [])
            if key == "classification":
                bad = [v for v in values if v not in CLASSIFICATION_RANK]
                if bad:
                    raise SelectorError(
                        f"classification {bad[0]!r} is unknown; use: {', '.join(CLASSIFICATIONS)}"
                    )
            if key == "kind":
                bad = [v for v in values if v not in ASSET_KINDS]
                if bad:
                    raise SelectorError(
                        f"kind {bad[0]!r} is unknown; use: {', '.join(ASSET_KINDS)}"
                    )
            if key == "keys":
                values = [normalise_asset_key(v) for v in values]
            clean[key] = values
    return clean


def parse(text: str | None) -> dict[str, Any]:
    """Parse the human form (see the module docstring) into a validated selector dict."""
    if text is None or not text.strip():
        return {}
    selector: dict[str, Any] = {}
    for item in text.split(","):
        item = item.strip()
        if not item:
            continue
        key, sep, value = item.partition("=")
        key = key.strip().lower().replace("-", "_")
        if not sep:
            if key in CLASSIFICATION_RANK:
                selector["min_classification"] = key
            elif key in SHORTHANDS:
                selector.update(SHORTHANDS[key])
            else:
                words = ", ".join([*CLASSIFICATIONS, *SHORTHANDS])
                raise SelectorError(
                    f"{item!r} is not a selector; write key=value (keys: "
                    f"{', '.join(SELECTOR_KEYS)}) or one of: {words}"
                )
            continue
        if key not in SELECTOR_KEYS:
            raise SelectorError(
                f"unknown selector key {key!r}; use one of: {', '.join(SELECTOR_KEYS)}"
            )
        value = value.strip()
        if key in LIST_KEYS:
            selector[key] = [v.strip() for v in value.split("|") if v.strip()]
        else:
            selector[key] = value
    return validate(selector)


def describe(selector: dict[str, Any]) -> str:
    """The human form of a selector dict (inverse of ``parse``)."""
    parts = []
    for key, value in selector.items():
        if isinstance(value, bool):
            parts.append(f"{key}={'true' if value else 'false'}")
        elif isinstance(value, list):
            parts.append(f"{key}={'|'.join(value)}")
        else:
            parts.append(f"{key}={value}")
    return ",".join(parts) or "any"


def matcher(selector: dict[str, Any]):
    """A fast predicate over asset node attributes."""
    sel = validate(selector)
    classes = set(sel["classification"]) if "classification" in sel else None
    min_rank = (
        CLASSIFICATION_RANK[sel["min_classification"]] if "min_classification" in sel else None
    )
    tags = set(sel["tags"]) if "tags" in sel else None
    kinds = set(sel["kind"]) if "kind" in sel else None
    keys = set(sel["keys"]) if "keys" in sel else None
    external = sel.get("external")
    approved = sel.get("approved")
    ai = sel.get("ai")

    def match(attrs: dict[str, Any]) -> bool:
        if attrs.get("type") != "asset":
            return False
        if classes is not None and attrs.get("classification") not in classes:
            return False
        if min_rank is not None and attrs.get("rank", -1) < min_rank:
            return False
        if tags is not None and not tags.intersection(attrs.get("tags", ())):
            return False
        if kinds is not None and attrs.get("kind") not in kinds:
            return False
        if keys is not None and attrs.get("key") not in keys:
            return False
        if external is not None and attrs.get("external") != external:
            return False
        if approved is not None and attrs.get("approved") != approved:
            return False
        return not (ai is not None and bool(attrs.get("ai_provider")) != ai)

    return match


def select(ids: list[Any], attrs: list[dict[str, Any]], selector: dict[str, Any]) -> list[Any]:
    """The ``ids`` whose node attributes (``attrs``, same order) match ``selector``.

    Same answer as filtering with ``matcher(selector)``, one pass per selector key: a
    whole-inventory selection costs a few list comprehensions, not a call per asset.
    """
    sel = validate(selector)
    found: Any = zip(ids, attrs, strict=True)
    if "classification" in sel:
        classes = set(sel["classification"])
        found = [(i, a) for i, a in found if a.get("classification") in classes]
    if "min_classification" in sel:
        rank = CLASSIFICATION_RANK[sel["min_classification"]]
        found = [(i, a) for i, a in found if a.get("rank", -1) >= rank]
    if "tags" in sel:
        tags = set(sel["tags"])
        found = [(i, a) for i, a in found if not tags.isdisjoint(a.get("tags", ()))]
    if "kind" in sel:
        kinds = set(sel["kind"])
        found = [(i, a) for i, a in found if a.get("kind") in kinds]
    if "keys" in sel:
        keys = set(sel["keys"])
        found = [(i, a) for i, a in found if a.get("key") in keys]
    for key in ("external", "approved"):
        if key in sel:
            want = sel[key]
            found = [(i, a) for i, a in found if a.get(key) == want]
    if "ai" in sel:
        want = sel["ai"]
        found = [(i, a) for i, a in found if bool(a.get("ai_provider")) == want]
    return [i for i, a in found if a.get("type") == "asset"]
