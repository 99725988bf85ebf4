"""Inventory figures as cheap SQL aggregates, returned as plain dicts.

The metrics collector calls these at every scrape and the dashboard shows them, so each
function is a handful of ``GROUP BY`` / ``COUNT`` queries that the database answers from
its indexes: nothing loads rows into Python. "Live" automations are those not retired;
every automation figure except ``by_lifecycle`` counts live automations only.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, date, datetime, timedelta
from typing import Any

from sqlalchemy import and_, func, or_, select
from sqlalchemy.sql import ColumnElement
from sqlmodel import Session, col

from govern.db import utcnow
from govern.registry.models import Automation, Person, PolicyResult, ScanRun, ScanTarget, Waiver

RETIRED = "retired"
UNASSIGNED = "unassigned"
EXPIRY_WINDOWS_DAYS = (7, 30)

#: Automation columns the inventory is broken down by: figure name -> column.
DIMENSIONS = {
    "platform": Automation.platform,
    "department": Automation.department,
    "origin": Automation.origin,
    "reconciliation": Automation.reconciliation_state,
    "review": Automation.review_state,
    "risk_tier": Automation.risk_tier,
    "track": Automation.track,
}


def _live() -> ColumnElement[bool]:
    return col(Automation.lifecycle) != RETIRED


def _aware(value: datetime | None) -> datetime | None:
    """SQLite returns naive datetimes for values stored as UTC; make them aware."""
    if value is None or value.tzinfo is not None:
        return value
    return value.replace(tzinfo=UTC)


def _grouped(session: Session, column, *where: ColumnElement[bool]) -> dict[str, int]:
    query = select(column, func.count()).select_from(Automation).where(*where).group_by(column)
    counts: dict[str, int] = {}
    for key, n in session.execute(query):
        label = key if key not in (None, "") else UNASSIGNED
        counts[label] = counts.get(label, 0) + int(n)
    return counts


def _count(session: Session, *where: ColumnElement[bool]) -> int:
    query = select(func.count()).select_from(Automation).where(*where)
    return int(session.execute(query).scalar_one())


def automation_counts(session: Session, dimensions: Iterable[str] | None = None) -> dict[str, Any]:
    """Live automations: total, by each dimension, by lifecycle (all), shadow, using AI."""
    names = list(DIMENSIONS) if dimensions is None else list(dimensions)
    figures: dict[str, Any] = {"total": _count(session, _live())}
    for name in names:
        figures[f"by_{name}"] = _grouped(session, DIMENSIONS[name], _live())
    figures["by_lifecycle"] = _grouped(session, Automation.lifecycle)
    figures["shadow"] = _count(session, _live(), col(Automation.reconciliation_state) == "shadow")
    figures["uses_ai"] = _count(session, _live(), col(Automation.uses_ai).is_(True))
    return figures


def duplicates(session: Session) -> dict[str, int]:
    """Live automations sharing a content fingerprint with another live automation."""
    groups = (
        select(Automation.fingerprint, func.count().label("n"))
        .where(_live(), col(Automation.fingerprint).is_not(None))
        .group_by(Automation.fingerprint)
        .having(func.count() > 1)
        .subquery()
    )
    row = session.execute(
        select(func.count(), func.coalesce(func.sum(groups.c.n), 0)).select_from(groups)
    ).one()
    return {"groups": int(row[0]), "automations": int(row[1])}


def orphans(session: Session) -> dict[str, int]:
    """Live automations whose owner is missing, unknown (no person record) or inactive."""
    reason = _orphan_reason()
    query = (
        select(reason, func.count())
        .select_from(Automation)
        .outerjoin(Person, col(Person.email) == col(Automation.owner_email))
        .where(_live())
        .group_by(reason)
    )
    counts = {"no_owner": 0, "unknown_owner": 0, "inactive_owner": 0}
    for key, n in session.execute(query):
        if key in counts:
            counts[key] = int(n)
    return {"total": sum(counts.values()), **counts}


def _orphan_reason():
    from sqlalchemy import case

    return case(
        (col(Automation.owner_email).is_(None), "no_owner"),
        (col(Person.id).is_(None), "unknown_owner"),
        (col(Person.active).is_(False), "inactive_owner"),
        else_="owned",
    )


def violations(session: Session) -> dict[str, Any]:
    """Failing policy results on live automations: open and waived, by policy and severity."""
    figures: dict[str, Any] = {}
    for state in ("open", "waived"):
        query = (
            select(PolicyResult.policy_id, PolicyResult.severity, func.count())
            .join(Automation, col(Automation.id) == col(PolicyResult.automation_id))
            .where(col(PolicyResult.status) == "fail", col(PolicyResult.state) == state, _live())
            .group_by(PolicyResult.policy_id, PolicyResult.severity)
        )
        by_policy: dict[str, dict[str, int]] = {}
        by_severity: dict[str, int] = {}
        for policy_id, severity, n in session.execute(query):
            by_policy.setdefault(policy_id, {})[severity] = int(n)
            by_severity[severity] = by_severity.get(severity, 0) + int(n)
        figures[state] = sum(by_severity.values())
        figures[f"{state}_by_policy"] = by_policy
        figures[f"{state}_by_severity"] = by_severity
    return figures


def compliance(session: Session) -> dict[str, Any]:
    """Share of live automations without any open violation (1.0 when there are none)."""
    total = _count(session, _live())
    failing = session.execute(
        select(func.count(func.distinct(PolicyResult.automation_id)))
        .join(Automation, col(Automation.id) == col(PolicyResult.automation_id))
        .where(col(PolicyResult.status) == "fail", col(PolicyResult.state) == "open", _live())
    ).scalar_one()
    compliant = total - int(failing)
    return {
        "automations": total,
        "with_open_violations": int(failing),
        "compliant": compliant,
        "ratio": (compliant / total) if total else 1.0,
    }


def waivers(
    session: Session,
    *,
    now: datetime | None = None,
    windows_days: Iterable[int] = EXPIRY_WINDOWS_DAYS,
) -> dict[str, Any]:
    """Active waivers (not revoked, not expired) and how many expire within each window."""
    now = now or utcnow()
    not_revoked = col(Waiver.revoked_at).is_(None)

    def count(*where: ColumnElement[bool]) -> int:
        query = select(func.count()).select_from(Waiver).where(not_revoked, *where)
        return int(session.execute(query).scalar_one())

    return {
        "active": count(col(Waiver.expires_at) > now),
        "expired": count(col(Waiver.expires_at) <= now),
        "expiring_within_days": {
            days: count(
                col(Waiver.expires_at) > now,
                col(Waiver.expires_at) <= now + timedelta(days=days),
            )
            for days in windows_days
        },
    }


def review_backlog(session: Session, *, now: datetime | None = None) -> dict[str, Any]:
    """Live automations waiting for review, by track, and how long the oldest has waited.

    An automation waits since its last review decision was reset, or since it was created.
    """
    now = now or utcnow()
    since = func.coalesce(Automation.reviewed_at, Automation.created_at)
    query = (
        select(Automation.track, func.count(), func.min(since))
        .where(_live(), col(Automation.review_state) == "pending")
        .group_by(Automation.track)
    )
    by_track: dict[str, int] = {}
    oldest_by_track: dict[str, float] = {}
    for track, n, oldest in session.execute(query):
        by_track[track] = int(n)
        oldest_at = _aware(_as_datetime(oldest))
        if oldest_at is not None:
            oldest_by_track[track] = max(0.0, (now - oldest_at).total_seconds())
    return {
        "pending": sum(by_track.values()),
        "by_track": by_track,
        "oldest_age_seconds_by_track": oldest_by_track,
        "oldest_age_seconds": max(oldest_by_track.values(), default=None),
    }


def _as_datetime(value: Any) -> datetime | None:
    """``MIN`` over an expression comes back as text on SQLite; parse it."""
    if value is None or isinstance(value, datetime):
        return value
    return datetime.fromisoformat(str(value))


def people(session: Session, *, today: date | None = None) -> dict[str, Any]:
    """People known to the registry; certified = active, level >= 1, not expired."""
    today = today or utcnow().date()
    certified = and_(
        col(Person.active).is_(True),
        col(Person.certification_level) >= 1,
        or_(
            col(Person.certification_expires).is_(None),
            col(Person.certification_expires) >= today,
        ),
    )
    query = (
        select(Person.certification_level, func.count())
        .where(certified)
        .group_by(Person.certification_level)
    )
    by_level = {int(level): int(n) for level, n in session.execute(query)}
    total, active = session.execute(
        select(func.count(), func.count().filter(col(Person.active).is_(True)))
    ).one()
    return {
        "total": int(total),
        "active": int(active or 0),
        "certified": sum(by_level.values()),
        "certified_by_level": by_level,
    }


def scan_targets(session: Session) -> dict[str, dict[str, Any]]:
    """Last successful scan per target name, from configured targets and recorded runs."""
    found: dict[str, dict[str, Any]] = {}
    for name, enabled, last in session.execute(
        select(ScanTarget.name, ScanTarget.enabled, ScanTarget.last_success_at)
    ):
        found[name] = {"enabled": bool(enabled), "last_success_at": _aware(last)}
    runs = (
        select(ScanRun.target_name, func.max(ScanRun.finished_at))
        .where(col(ScanRun.status) == "success", col(ScanRun.finished_at).is_not(None))
        .group_by(ScanRun.target_name)
    )
    for name, last in session.execute(runs):
        if not name:
            continue
        entry = found.setdefault(name, {"enabled": True, "last_success_at": None})
        last = _aware(_as_datetime(last))
        if last is not None and (
            entry["last_success_at"] is None or last > entry["last_success_at"]
        ):
            entry["last_success_at"] = last
    return found


def summary(session: Session, *, now: datetime | None = None) -> dict[str, Any]:
    """Every figure above in one dict (the dashboard's and the collector's input)."""
    now = now or utcnow()
    return {
        "automations": automation_counts(session),
        "duplicates": duplicates(session),
        "orphans": orphans(session),
        "violations": violations(session),
        "compliance": compliance(session),
        "waivers": waivers(session, now=now),
        "review": review_backlog(session, now=now),
        "people": people(session, today=now.date()),
        "scan_targets": scan_targets(session),
    }
