"""The evidence behind an edge: which registry row says it exists, and how it was learned."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

LEARNED_RANK = {"manual": 0, "declared": 1, "scanned": 2}
DATA_MODES = ("read", "write", "call")
OUT_MODES = ("write", "call")
RELATION = {"read": "reads", "write": "writes", "call": "calls", "triggers": "triggers"}


def iso(value: datetime | str | None) -> str | None:
    """ISO 8601 in UTC; accepts the raw text SQLite stores (naive UTC)."""
    if value is None:
        return None
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value.isoformat()


class Evidence:
    """One registry row behind an edge: an Access or an AutomationLink."""

    __slots__ = ("id", "mode", "learned", "masking", "purpose", "first_seen", "last_seen", "_dict")

    def __init__(self, id, mode, learned, masking, purpose, first_seen, last_seen):  # noqa: A002
        self.id = id
        self.mode = mode
        self.learned = learned
        self.masking = masking
        self.purpose = purpose
        self.first_seen = first_seen
        self.last_seen = last_seen
        self._dict = None

    def as_dict(self) -> dict[str, Any]:
        """A fresh dict (built once, copied after: paths share edges)."""
        if self._dict is None:
            self._dict = self._build()
        return dict(self._dict)

    def _build(self) -> dict[str, Any]:
        data = {
            "mode": self.mode,
            "learned": self.learned,
            "first_seen": iso(self.first_seen),
            "last_seen": iso(self.last_seen),
            "masking": bool(self.masking),
        }
        if self.purpose:
            data["purpose"] = self.purpose
        return data


def primary(evidence: tuple[Evidence, ...]) -> Evidence:
    """The most authoritative evidence: manual over declared over scanned."""
    if len(evidence) == 1:
        return evidence[0]
    return min(evidence, key=lambda e: (LEARNED_RANK.get(e.learned, 9), -(e.id or 0)))


def flows(data: dict) -> bool:
    """Whether taint crosses this edge: an unmasked read, or an unmasked write or call."""
    for mode in DATA_MODES:
        ev = data.get(mode)
        if ev is not None and not primary(ev).masking:
            return True
    return False
