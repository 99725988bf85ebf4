"""The dashboard's figures: the registry's SQL aggregates (``govern.registry.stats``)
plus the few views only the dashboard needs (new per week, per developer, top risks).

Everything here is a bounded aggregate or a LIMITed indexed query; the page caches the
result by data version (see ``cache``), so a dashboard view at 100,000 automations
costs a handful of primary-key lookups once warm.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import func, select
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
    """How many live automations each owner has: buckets and the most prolific owners.

    Two index-friendly counts (all per owner, from the owner index alone; retired per
    owner, from the lifecycle index) instead of one that reads every row's lifecycle.
    """
    owned = col(Automation.owner_email).is_not(None)
    counts = {
        owner: int(n)
        for owner, n in session.execute(
            select(Automation.owner_email, func.count())
            .where(owned)
            .group_by(Automation.owner_email)
        )
    }
    for owner, n in session.execute(
        select(Automation.owner_email, func.count())
        .where(owned, col(Automation.lifecycle) == RETIRED)
        .group_by(Automation.owner_email)
    ):
        counts[owner] -= int(n)
    live = [(owner, n) for owner, n in counts.items() if n > 0]
    buckets = {"1": 0, "2-3": 0, "4-10": 0, "11+": 0}
    for _, n in live:
        buckets["1" if n == 1 else "2-3" if n <= 3 else "4-10" if n <= 10 else "11+"] += 1
    live.sort(key=lambda pair: (-pair[1], pair[0]))
    total = sum(n for _, n in live)
    return {
        "owners": len(live),
        "buckets": buckets,
        "top": live[:6],
        "mean": total / len(live) if live else 0.0,
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
