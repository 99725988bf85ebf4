"""Running a configured target end to end: scan, ingest, record, emit the scan event."""

from __future__ import annotations

import logging
import time
import uuid
from pathlib import Path

from sqlalchemy.engine import Engine

from govern.config import Settings
from govern.db import read_session, utcnow, write_session
from govern.registry.auth import Principal
from govern.registry.models import ScanRun, ScanTarget

log = logging.getLogger(__name__)
SCHEDULER = Principal(name="scheduler", role="admin")


def cache_path(settings: Settings, target_name: str) -> Path:
    safe = "".join(ch if ch.isalnum() or ch in "-_." else "_" for ch in target_name)
    return settings.data_dir / "scan-cache" / f"{safe}.sqlite"


def run_target(
    settings: Settings, engine: Engine, target_id: int, *, principal: Principal = SCHEDULER
) -> ScanRun | None:
    """Scan one target now. Never raises: a failure is recorded as a failed ScanRun."""
    from govern.registry.ingest import ingest
    from govern.scanner.api import scan

    with read_session(engine) as session:
        target = session.get(ScanTarget, target_id)
        if target is None or not target.enabled:
            return None
        name, kind, location = target.name, target.kind, target.location
        ignore = tuple(target.ignore or [])
    run_uid = uuid.uuid4().hex
    clock = time.perf_counter()
    try:
        if kind == "egress":
            result = scan(
                [], secret_key=settings.secret_key, egress_logs=[Path(location)], run_uid=run_uid
            )
        else:
            result = scan(
                [Path(location)],
                secret_key=settings.secret_key,
                ignore=ignore,
                cache_path=cache_path(settings, name),
                run_uid=run_uid,
            )
        with write_session(engine) as session:
            run = ingest(
                session,
                result.as_dict(),
                target_name=name,
                agent="scheduler",
                run_uid=run_uid,
                principal=principal,
                internal_domains=settings.internal_domains,
            )
        outcome = "partial" if run.status == "partial" else "success"
        files = int(result.stats.get("files_seen") or 0)
        count = len(result.discoveries)
    except Exception as exc:  # recorded, never raised into the scheduler thread
        log.error("scan of target %s failed: %s", name, type(exc).__name__)
        with write_session(engine) as session:
            run = ScanRun(
                run_uid=run_uid,
                target_id=target_id,
                target_name=name,
                agent="scheduler",
                status="failed",
                finished_at=utcnow(),
                duration_seconds=time.perf_counter() - clock,
                errors=[{"location": location, "reason": f"scan failed: {type(exc).__name__}"}],
            )
            session.add(run)
        outcome, files, count = "failed", 0, 0
    _emit(name, outcome, files, count, time.perf_counter() - clock)
    return run


def _emit(target: str, outcome: str, files: int, discoveries: int, duration: float) -> None:
    from govern import events

    events.scan_finished(
        target=target,
        outcome=outcome,
        files=files,
        discoveries=discoveries,
        duration_seconds=duration,
        finished_at=time.time(),
    )
