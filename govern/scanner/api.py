"""The public entry point: ``scan(paths, secret_key=...) -> ScanResult``.

``ScanResult.as_dict()`` is the DESIGN.md contract ``{"scan": {...}, "discoveries": [...]}``
that ``govern scan --format json`` prints, remote agents push and the registry ingests.
"""

from __future__ import annotations

import os
import time
import uuid
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from govern.scanner.context import Limits
from govern.scanner.engine import Engine, Progress

SCANNER_VERSION = "1"


@dataclass
class ScanResult:
    stats: dict[str, Any]
    discoveries: list[dict[str, Any]]
    skipped: list[dict[str, str]] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {"scan": {**self.stats, "skipped": self.skipped}, "discoveries": self.discoveries}


def scan(
    paths: list[Path],
    *,
    secret_key: str,
    ignore: tuple[str, ...] = (),
    cache_path: Path | None = None,
    progress: Progress | None = None,
    egress_logs: list[Path] | tuple[Path, ...] = (),
    limits: Limits | None = None,
    run_uid: str | None = None,
) -> ScanResult:
    """Scan file trees (and optional proxy logs) and return discoveries. Never raises on content."""
    if not secret_key:
        raise ValueError("scan needs a secret_key to hash secrets (GOVERN_SECRET_KEY)")
    started = datetime.now(UTC)
    clock = time.perf_counter()
    engine = Engine(
        secret_key=secret_key,
        ignore=ignore,
        cache_path=cache_path,
        progress=progress,
        limits=limits,
    )
    engine.scan([Path(p) for p in paths])
    discoveries = list(engine.discoveries)
    for log in egress_logs:
        from govern.scanner.egress import scan_log

        found, problems = scan_log(Path(log))
        discoveries.extend(found)
        for problem in problems:
            engine._skip(str(log), problem)
    copies = Counter(d["fingerprint"] for d in discoveries if d.get("fingerprint"))
    for d in discoveries:
        d["copies"] = copies.get(d.get("fingerprint"), 1) if d.get("fingerprint") else 1
    duration = time.perf_counter() - clock
    reasons = Counter(s.reason.split(":")[0] for s in engine.skipped)
    stats = {
        "run_uid": run_uid or uuid.uuid4().hex,
        "scanner_version": SCANNER_VERSION,
        "roots": [os.path.abspath(p) for p in paths],
        "egress_logs": [str(p) for p in egress_logs],
        "started_at": started.isoformat(),
        "finished_at": datetime.now(UTC).isoformat(),
        "duration_seconds": round(duration, 3),
        "files_seen": engine.stats["files_seen"],
        "files_read": engine.stats["files_read"],
        "files_cached": engine.stats["files_cached"],
        "folders_listed": engine.stats["folders_listed"],
        "folders_unchanged": engine.stats["folders_unchanged"],
        "bytes_read": engine.stats["bytes_read"],
        "discoveries": len(discoveries),
        "secrets": sum(len(d["secrets"]) for d in discoveries),
        "duplicate_groups": sum(1 for n in copies.values() if n > 1),
        "skipped_count": engine.stats["skipped"],
        "skipped_by_reason": dict(reasons),
        "detector_errors": engine.stats["detector_errors"],
        "removed": engine.cache.removed() if cache_path else [],
        "detectors": [d.name for d in engine.detectors] if engine.loaded else [],
    }
    return ScanResult(stats, discoveries, [s.as_dict() for s in engine.skipped])
