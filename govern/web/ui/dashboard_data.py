"""The dashboard's figures: the registry's SQL aggregates (``govern.registry.stats``)
plus the few views only the dashboard needs (new per week, per developer, top risks).

Everything here is a bounded aggregate or a LIMITed indexed query; the page caches the
result by data version (see ``cache``), so a dashboard view at 100,000 automations
costs a handful of primary-key lookups once warm.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import case, func, select
from sqlmodel import Session, col

from govern.db import utcnow
from govern.registry.models import Automation, Waiver

WEEKS = 12
RETIRED = "retired"


def registry_summary(session: Session, now: datetime) -> dict[str, Any]:
    from govern.registry import stats

    return stats.summary(session, now=now)


def new_per_week(session: Session, now: datetime, weeks: int = WEEKS) -> list[tuple[str, int]]:
    """Automations first recorded in each of the last ``weeks`` weeks (Monday-based)."""
    monday = (now - timedelta(days=now.weekday())).replace(
        hour=0, minute=0, second=0, microsecond=0
    )
    starts = [monday - timedelta(weeks=n) for n in range(weeks - 1, -1, -1)]
    bounds = [*starts, monday + timedelta(weeks=1)]
    parts = []
    for start, end in zip(bounds, bounds[1:], strict=False):
        parts.append(
            select(func.count())
            .select_from(Automation)
            .where(col(Automation.created_at) >= start, col(Automation.created_at) < end)
            .scalar_subquery()
        )
    row = session.execute(select(*parts)).one()
    return [(s.strftime("%d %b"), int(n)) for s, n in zip(starts, row, strict=True)]


def per_developer(session: Session) -> dict[str, Any]:
    """How many automations each owner has: buckets and the most prolific owners.

    Bucketed in SQL over the per-owner counts, so no owner list is loaded."""
    per_owner = (
        select(Automation.owner_email.label("owner"), func.count().label("n"))
        .where(col(Automation.lifecycle) != RETIRED, col(Automation.owner_email).is_not(None))
        .group_by(Automation.owner_email)
        .subquery()
    )
    bucket = case(
        (per_owner.c.n == 1, "1"),
        (per_owner.c.n <= 3, "2-3"),
        (per_owner.c.n <= 10, "4-10"),
        else_="11+",
    )
    buckets = {"1": 0, "2-3": 0, "4-10": 0, "11+": 0}
    owners = automations = 0
    for name, n, total in session.execute(
        select(bucket, func.count(), func.sum(per_owner.c.n)).group_by(bucket)
    ):
        buckets[name] = int(n)
        owners += int(n)
        automations += int(total or 0)
    top = session.execute(
        select(per_owner.c.owner, per_owner.c.n)
        .order_by(per_owner.c.n.desc(), per_owner.c.owner)
        .limit(6)
    ).all()
    return {
        "owners": owners,
        "buckets": buckets,
        "top": [(o, int(n)) for o, n in top],
        "mean": automations / owners if owners else 0.0,
    }


def top_risks(session: Session, limit: int = 8) -> list[Automation]:
    query = (
        select(Automation)
        .where(col(Automation.lifecycle) != RETIRED)
        .order_by(col(Automation.risk_score).desc(), col(Automation.key))
        .limit(limit)
    )
    return list(session.scalars(query))


def expiring_waivers(session: Session, now: datetime, days: int = 30, limit: int = 8):
    query = (
        select(Waiver, Automation.key)
        .outerjoin(Automation, col(Automation.id) == col(Waiver.automation_id))
        .where(
            col(Waiver.revoked_at).is_(None),
            col(Waiver.expires_at) > now,
            col(Waiver.expires_at) <= now + timedelta(days=days),
        )
        .order_by(col(Waiver.expires_at))
        .limit(limit)
    )
    return [(w, key) for w, key in session.execute(query)]


def oldest_pending(session: Session, limit: int = 5) -> list[Automation]:
    query = (
        select(Automation)
        .where(col(Automation.lifecycle) != RETIRED, col(Automation.review_state) == "pending")
        .order_by(col(Automation.created_at), col(Automation.key))
        .limit(limit)
    )
    return list(session.scalars(query))


def figures(session: Session, now: datetime | None = None) -> dict[str, Any]:
    now = now or utcnow()
    if now.tzinfo is None:
        now = now.replace(tzinfo=UTC)
    return {
        "summary": registry_summary(session, now),
        "weekly": new_per_week(session, now),
        "developers": per_developer(session),
        "top_risks": top_risks(session),
        "expiring": expiring_waivers(session, now),
        "oldest_pending": oldest_pending(session),
        "computed_at": now,
    }
