"""The shapes a scan produces: findings (discoveries in the making) and skipped files."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

TRIGGER_TYPES = ("schedule", "event", "manual", "webhook")


def trigger(kind: str, schedule: str | None = None, detail: str = "") -> dict[str, Any]:
    """One trigger in the contract shape: ``{type, schedule}`` plus a human detail."""
    out: dict[str, Any] = {"type": kind, "schedule": schedule}
    if detail:
        out["detail"] = detail[:200]
    return out


@dataclass
class Finding:
    """What one detector recognised in one artifact. Becomes a discovery dict.

    ``group`` merges the findings of several files into one discovery (a UiPath
    project, an Apps Script project, a systemd timer with its service).
    """

    location: str
    platform: str
    name: str
    detector: str
    triggers: list[dict[str, Any]] = field(default_factory=list)
    reads: set[str] = field(default_factory=set)
    writes: set[str] = field(default_factory=set)
    calls: set[str] = field(default_factory=set)
    ai_services: set[str] = field(default_factory=set)
    ai_models: set[str] = field(default_factory=set)
    secrets: list[dict[str, Any]] = field(default_factory=list)
    credentials: set[str] = field(default_factory=set)
    owner_hints: list[tuple[int, str]] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    fingerprint: str | None = None
    content_hash: str | None = None
    confidence: float = 0.8
    group: str | None = None
    runs: set[str] = field(default_factory=set)
    ignore_text: list[str] = field(default_factory=list)
    extra: dict[str, Any] = field(default_factory=dict)
    generic_signals: bool = True
    size: int = 0
    mtime: float = 0.0
    files: list[str] = field(default_factory=list)

    def owner(self, strength: int, hint: str | None) -> None:
        """Add an owner hint; lower ``strength`` is stronger (FORMATS.md order)."""
        if hint and isinstance(hint, str) and hint.strip():
            self.owner_hints.append((strength, hint.strip()[:300]))

    def best_owner(self) -> str | None:
        if not self.owner_hints:
            return None
        return sorted(self.owner_hints, key=lambda item: item[0])[0][1]

    def as_dict(self) -> dict[str, Any]:
        return {
            "location": self.location,
            "platform": self.platform,
            "name": self.name,
            "detector": self.detector,
            "fingerprint": self.fingerprint,
            "content_hash": self.content_hash,
            "confidence": round(self.confidence, 2),
            "triggers": _unique_dicts(self.triggers),
            "reads": sorted(self.reads),
            "writes": sorted(self.writes),
            "calls": sorted(self.calls),
            "ai_services": sorted(self.ai_services),
            "ai_models": sorted(self.ai_models),
            "secrets": _unique_secrets(self.secrets),
            "credentials": sorted(self.credentials),
            "owner_hint": self.best_owner(),
            "owner_hints": [h for _, h in sorted(set(self.owner_hints))][:10],
            "runs": sorted(self.runs),
            "files": sorted(set(self.files or [self.location])),
            "size": self.size,
            "mtime": self.mtime,
            "extra": self.extra,
            "errors": list(dict.fromkeys(self.errors)),
        }

    def merge(self, other: Finding) -> None:
        """Fold another file's finding of the same group into this one."""
        self.triggers += other.triggers
        self.reads |= other.reads
        self.writes |= other.writes
        self.calls |= other.calls
        self.ai_services |= other.ai_services
        self.ai_models |= other.ai_models
        self.secrets += other.secrets
        self.credentials |= other.credentials
        self.owner_hints += other.owner_hints
        self.errors += other.errors
        self.runs |= other.runs
        self.files = sorted(
            set(self.files or [self.location]) | set(other.files or [other.location])
        )
        self.size += other.size
        self.mtime = max(self.mtime, other.mtime)
        for key, value in other.extra.items():
            self.extra.setdefault(key, value)


def _unique_dicts(items: list[dict[str, Any]]) -> list[dict[str, Any]]:
    seen: set[tuple] = set()
    out = []
    for item in items:
        key = (item.get("type"), item.get("schedule"), item.get("detail"))
        if key not in seen:
            seen.add(key)
            out.append(item)
    return out


def _unique_secrets(items: list[dict[str, Any]]) -> list[dict[str, Any]]:
    seen: set[tuple] = set()
    out = []
    for item in sorted(items, key=lambda s: (s.get("file", ""), s["line"], s["type"])):
        key = (item.get("file"), item["line"], item["hash"])
        if key not in seen:
            seen.add(key)
            out.append(item)
    return out


@dataclass
class Skipped:
    """A file the scanner did not analyse, and why (recorded, never fatal)."""

    location: str
    reason: str
    cached: bool = False  # from a file's cached result (repeated by a rescan)

    def as_dict(self) -> dict[str, str]:
        return {"location": self.location, "reason": self.reason}
