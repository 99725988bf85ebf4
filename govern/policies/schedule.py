"""Scheduled jobs: a full re-evaluation, and a frequent waiver-expiry pass that
re-evaluates only automations whose waivers lapsed since the last run."""

from __future__ import annotations

import logging
from datetime import datetime

from sqlalchemy import select
from sqlmodel import Session

from govern.db import utcnow, write_session
from govern.registry.models import Automation, PolicyResult, Waiver

log = logging.getLogger(__name__)
FULL_INTERVAL_MINUTES = 60
EXPIRY_INTERVAL_MINUTES = 5


def register_jobs(scheduler, engine, *, full_minutes: int = FULL_INTERVAL_MINUTES,
                  expiry_minutes: int = EXPIRY_INTERVAL_MINUTES) -> None:  # fmt: skip
    """Add the policy jobs to an APScheduler scheduler (ids are stable: re-adding replaces)."""
    scheduler.add_job(
        run_full_evaluation,
        "interval",
        minutes=full_minutes,
        args=[engine],
        id="policies.full-evaluation",
        replace_existing=True,
        max_instances=1,
        coalesce=True,
    )
    scheduler.add_job(
        run_waiver_expiry,
        "interval",
        minutes=expiry_minutes,
        args=[engine],
        id="policies.waiver-expiry",
        replace_existing=True,
        max_instances=1,
        coalesce=True,
    )


def run_full_evaluation(engine, now: datetime | None = None) -> dict:
    from govern.policies.evaluate import evaluate_committed

    summary = evaluate_committed(engine, now=now, kind="full")
    log.info("policy evaluation: %s", summary.as_dict())
    return summary.as_dict()


def lapsed_keys(session: Session, now: datetime) -> list[str]:
    """Automations with a stored waived violation whose waiver (for one automation or
    a selector) is no longer in force."""
    from govern.policies.waivers import is_active

    keys: set[str] = set()
    query = (
        select(Automation.key, Waiver)
        .join(PolicyResult, PolicyResult.automation_id == Automation.id)
        .join(Waiver, Waiver.id == PolicyResult.waiver_id)
        .where(PolicyResult.state == "waived")
    )
    for key, waiver in session.execute(query):
        if not is_active(waiver, now):
            keys.add(key)
    return sorted(keys)


def run_waiver_expiry(engine, now: datetime | None = None) -> dict:
    """Re-evaluate what lapsed waivers covered, through the one evaluate() path."""
    from govern.policies.evaluate import evaluate

    now = now or utcnow()
    with write_session(engine) as session:
        keys = lapsed_keys(session, now)
        if not keys:
            return {"kind": "waiver-expiry", "automations": 0}
        summary = evaluate(session, keys=keys, now=now)
    return summary.as_dict()
