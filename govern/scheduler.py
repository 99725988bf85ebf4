"""APScheduler jobs: one periodic scan per enabled target, plus the policy jobs.

Embedded mode starts it inside ``govern serve`` (once per process, guarded);
at scale, ``govern scheduler`` runs it alone in a dedicated process.
"""

from __future__ import annotations

import logging
import threading

from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.interval import IntervalTrigger

from govern.config import Settings
from govern.db import make_engine, read_session

log = logging.getLogger(__name__)
_started: BackgroundScheduler | None = None
_lock = threading.Lock()
DEFAULT_INTERVAL = 86400


def _trigger(row: dict):
    if row["cron"]:
        return CronTrigger.from_crontab(row["cron"], timezone="UTC")
    return IntervalTrigger(seconds=row["interval_seconds"] or DEFAULT_INTERVAL, timezone="UTC")


def add_target_jobs(scheduler: BackgroundScheduler, settings: Settings, engine) -> int:
    """(Re)create one job per enabled target; returns the number of jobs."""
    from sqlmodel import select

    from govern.registry.models import ScanTarget
    from govern.scanner.run import run_target

    with read_session(engine) as session:
        targets = [
            {
                "id": t.id,
                "name": t.name,
                "enabled": t.enabled,
                "cron": t.cron,
                "interval_seconds": t.interval_seconds,
            }
            for t in session.exec(select(ScanTarget))
        ]
    count = 0
    for row in targets:
        job_id = f"scan-target-{row['id']}"
        if scheduler.get_job(job_id):
            scheduler.remove_job(job_id)
        if not row["enabled"]:
            continue
        scheduler.add_job(
            run_target,
            trigger=_trigger(row),
            args=[settings, engine, row["id"]],
            id=job_id,
            name=f"scan {row['name']}",
            max_instances=1,
            coalesce=True,
            misfire_grace_time=3600,
            replace_existing=True,
        )
        count += 1
    return count


def build_scheduler(settings: Settings, engine=None) -> BackgroundScheduler:
    """A scheduler with every scan job and the policy jobs (when that module exists)."""
    engine = engine or make_engine(settings)
    scheduler = BackgroundScheduler(
        timezone="UTC", job_defaults={"max_instances": 1, "coalesce": True}
    )
    add_target_jobs(scheduler, settings, engine)
    scheduler.add_job(
        add_target_jobs,
        trigger=IntervalTrigger(seconds=300, timezone="UTC"),
        args=[scheduler, settings, engine],
        id="refresh-scan-targets",
        name="pick up scan target changes",
        max_instances=1,
        coalesce=True,
    )
    try:
        from govern.policies import schedule as policy_schedule
    except ModuleNotFoundError as exc:
        if exc.name not in ("govern.policies.schedule", "govern.policies"):
            raise
    else:
        policy_schedule.register_jobs(scheduler, engine)
        add_pending_job(scheduler, engine)
    return scheduler


def add_pending_job(scheduler: BackgroundScheduler, engine) -> None:
    """Drain the queue of deferred policy evaluations (large registrations) every few
    seconds; an empty queue costs one indexed query."""
    from govern.policies.pending import DRAIN_INTERVAL_SECONDS, run_pending

    scheduler.add_job(
        run_pending,
        trigger=IntervalTrigger(seconds=DRAIN_INTERVAL_SECONDS, timezone="UTC"),
        args=[engine],
        id="policies.pending-evaluation",
        name="evaluate automations queued by large registrations",
        replace_existing=True,
        max_instances=1,
        coalesce=True,
    )


def start_in_process(settings: Settings) -> BackgroundScheduler | None:
    """Start the scheduler once in this process (``govern serve``); later calls are no-ops."""
    global _started
    if not settings.scheduler_enabled:
        return None
    with _lock:
        if _started is None:
            _started = build_scheduler(settings)
            _started.start()
            log.info("scheduler started with %d jobs", len(_started.get_jobs()))
        return _started


def stop_in_process() -> None:
    global _started
    with _lock:
        if _started is not None:
            _started.shutdown(wait=False)
            _started = None
