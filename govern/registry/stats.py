"""Inventory figures as cheap SQL aggregates, returned as plain dicts.

The metrics collector calls these at every scrape and the dashboard shows them, so each
function is a few ``GROUP BY`` / ``COUNT`` queries shaped for the indexes the tables have;
the only rows read into Python are the retired automations' grouping columns (once per
session, see ``_retired``: call these in a session that does not also write).

"Live" automations are those not retired; every automation figure except
``by_lifecycle`` counts live automations only.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from datetime import UTC, date, datetime, timedelta
from typing import Any

from sqlalchemy import and_, func, literal_column, or_, select, tuple_
from sqlalchemy.sql import ColumnElement
from sqlmodel import Session, col

from govern.db import utcnow
from govern.registry.models import Automation, Person, PolicyResult, ScanTarget, Waiver

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
        label = _label(key)
        counts[label] = counts.get(label, 0) + int(n)
    return counts


def _count(session: Session, *where: ColumnElement[bool]) -> int:
    query = select(func.count()).select_from(Automation).where(*where)
    return int(session.execute(query).scalar_one())


def automation_counts(session: Session, dimensions: Iterable[str] | None = None) -> dict[str, Any]:
    """Live automations: total, by each dimension, by lifecycle (all), shadow, using AI."""
    names = list(DIMENSIONS) if dimensions is None else list(dimensions)
    if _dialect(session) == "postgresql":
        counts = _counts_grouping_sets(session, names)
    else:
        counts = _counts_from_indexes(session, names)
    by_lifecycle = counts.pop("lifecycle")
    uses_ai = counts.pop("uses_ai")
    figures: dict[str, Any] = {"total": sum(by_lifecycle.values()) - by_lifecycle.get(RETIRED, 0)}
    for name in names:
        figures[f"by_{name}"] = counts[name]
    figures["by_lifecycle"] = by_lifecycle
    if "reconciliation" in counts:
        figures["shadow"] = counts["reconciliation"].get("shadow", 0)
    else:
        figures["shadow"] = _count(
            session, _live(), col(Automation.reconciliation_state) == "shadow"
        )
    figures["uses_ai"] = uses_ai.get("True", 0)
    return figures


_RETIRED_KEY = "govern.stats.retired"
_RETIRED_COLUMNS = {
    **DIMENSIONS,
    "uses_ai": Automation.uses_ai,
    "fingerprint": Automation.fingerprint,
    "owner_email": Automation.owner_email,
}


def _retired(session: Session) -> dict[str, Counter]:
    """How many retired automations hold each value of each grouping column, read once
    per session through the lifecycle index.

    Counting over every row and subtracting these is much cheaper on SQLite than
    filtering on lifecycle inside each aggregate, which reads every table row each time.
    """
    cached = session.info.get(_RETIRED_KEY)
    if cached is None:
        query = select(*_RETIRED_COLUMNS.values()).where(col(Automation.lifecycle) == RETIRED)
        rows = session.execute(query).all()
        cached = {
            name: Counter(row[index] for row in rows) for index, name in enumerate(_RETIRED_COLUMNS)
        }
        session.info[_RETIRED_KEY] = cached
    return cached


def _no_index(session: Session, column):
    """``column`` as a term SQLite will not use an index for (``+x`` is its way to say so).

    SQLite likes to walk a single-column index and read each matching row through it,
    which for a large share of rows costs several times a plain table scan."""
    if _dialect(session) != "sqlite":
        return column
    return literal_column(f"+{column.table.name}.{column.name}")


def _dialect(session: Session) -> str:
    return session.get_bind().dialect.name


def _label(value: Any) -> str:
    if value is None or value == "":
        return UNASSIGNED
    return str(value)


def _counts_grouping_sets(session: Session, names: list[str]) -> dict[str, dict[str, int]]:
    """PostgreSQL: every breakdown from one scan (GROUP BY GROUPING SETS)."""
    columns = {name: DIMENSIONS[name] for name in names}
    columns["lifecycle"] = Automation.lifecycle
    columns["uses_ai"] = Automation.uses_ai
    cols = list(columns.values())
    live = func.count().filter(_live())
    query = select(*cols, *[func.grouping(c) for c in cols], func.count(), live).group_by(
        func.grouping_sets(*[tuple_(c) for c in cols])
    )
    counts: dict[str, dict[str, int]] = {name: {} for name in columns}
    width = len(cols)
    for row in session.execute(query):
        values, grouping, n_all, n_live = row[:width], row[width : 2 * width], row[-2], row[-1]
        index = list(grouping).index(0)
        name = list(columns)[index]
        n = int(n_all if name == "lifecycle" else n_live)
        if n:
            key = _label(values[index])
            counts[name][key] = counts[name].get(key, 0) + n
    return counts


def _counts_from_indexes(session: Session, names: list[str]) -> dict[str, dict[str, int]]:
    """SQLite: count every automation per indexed column (index-only scans), then take
    away the retired ones, read once through the lifecycle index. Filtering on lifecycle
    inside each count would read every table row once per breakdown instead."""
    columns = {name: DIMENSIONS[name] for name in names}
    columns["lifecycle"] = Automation.lifecycle
    columns["uses_ai"] = Automation.uses_ai
    counts = {name: _grouped(session, column) for name, column in columns.items()}
    subtract = [name for name in columns if name != "lifecycle"]
    retired = _retired(session)
    for name in subtract:
        for value, n in retired[name].items():
            counts[name][_label(value)] -= n
    for name in subtract:
        counts[name] = {k: n for k, n in counts[name].items() if n}
    return counts


def duplicates(session: Session) -> dict[str, int]:
    """Live automations sharing a content fingerprint with another live automation.

    Groups are found over every automation (an index-only scan of the fingerprint index);
    retired members are then taken away, read through the lifecycle index.
    """
    shared = (
        select(Automation.fingerprint, func.count())
        .where(col(Automation.fingerprint).is_not(None))
        .group_by(Automation.fingerprint)
        .having(func.count() > 1)
    )
    groups = {fingerprint: int(n) for fingerprint, n in session.execute(shared)}
    if groups:
        for fingerprint, n in _retired(session)["fingerprint"].items():
            if fingerprint in groups:
                groups[fingerprint] -= n
    live = [n for n in groups.values() if n > 1]
    return {"groups": len(live), "automations": sum(live)}


def orphans(session: Session) -> dict[str, int]:
    """Live automations whose owner is missing, unknown (no person record) or inactive.

    Counted per owner over the owner index, less the retired, then matched against the
    people table in memory (one row per person, far fewer than automations).
    """
    per_owner = _grouped_raw(session, Automation.owner_email)
    for email, n in _retired(session)["owner_email"].items():
        per_owner[email] -= n
    active = dict(session.execute(select(Person.email, Person.active)).all())
    counts = {"no_owner": 0, "unknown_owner": 0, "inactive_owner": 0}
    for email, n in per_owner.items():
        if n <= 0:
            continue
        if email is None:
            counts["no_owner"] += n
        elif email not in active:
            counts["unknown_owner"] += n
        elif not active[email]:
            counts["inactive_owner"] += n
    return {"total": sum(counts.values()), **counts}


def _grouped_raw(session: Session, column) -> dict[Any, int]:
    query = select(column, func.count()).select_from(Automation).group_by(column)
    return {key: int(n) for key, n in session.execute(query)}


_FAILING_STATES = ("open", "waived")


def _failing():
    return and_(col(PolicyResult.status) == "fail", col(PolicyResult.state).in_(_FAILING_STATES))


def violations(session: Session) -> dict[str, Any]:
    """Failing policy results on live automations: open and waived, by policy and severity.

    All failing results are counted through the state index, then those of retired
    automations (found through the lifecycle index) are taken away.
    """
    keys = (PolicyResult.policy_id, PolicyResult.severity, PolicyResult.state)
    everything = (
        select(*keys, func.count())
        .where(_failing())
        .group_by(*[_no_index(session, key) for key in keys])
    )
    retired = (
        select(*keys, func.count())
        .select_from(Automation)
        .join(PolicyResult, col(PolicyResult.automation_id) == col(Automation.id))
        .where(col(Automation.lifecycle) == RETIRED, _failing())
        .group_by(*keys)
    )
    counts: dict[tuple[str, str, str], int] = {}
    for policy_id, severity, state, n in session.execute(everything):
        counts[(policy_id, severity, state)] = counts.get((policy_id, severity, state), 0) + n
    for policy_id, severity, state, n in session.execute(retired):
        counts[(policy_id, severity, state)] -= n
    figures: dict[str, Any] = {}
    for state in _FAILING_STATES:
        by_policy: dict[str, dict[str, int]] = {}
        by_severity: dict[str, int] = {}
        for (policy_id, severity, result_state), n in sorted(counts.items()):
            if result_state != state or n <= 0:
                continue
            by_policy.setdefault(policy_id, {})[severity] = int(n)
            by_severity[severity] = by_severity.get(severity, 0) + int(n)
        figures[state] = sum(by_severity.values())
        figures[f"{state}_by_policy"] = by_policy
        figures[f"{state}_by_severity"] = by_severity
    return figures


def compliance(session: Session) -> dict[str, Any]:
    """Share of live automations without any open violation (1.0 when there are none)."""
    total = _count_live(session)
    is_open = and_(col(PolicyResult.status) == "fail", col(PolicyResult.state) == "open")
    distinct = func.count(func.distinct(PolicyResult.automation_id))
    failing_all = session.execute(select(distinct).where(is_open)).scalar_one()
    failing_retired = session.execute(
        select(distinct)
        .select_from(Automation)
        .join(PolicyResult, col(PolicyResult.automation_id) == col(Automation.id))
        .where(col(Automation.lifecycle) == RETIRED, is_open)
    ).scalar_one()
    failing = int(failing_all) - int(failing_retired)
    compliant = total - failing
    return {
        "automations": total,
        "with_open_violations": failing,
        "compliant": compliant,
        "ratio": (compliant / total) if total else 1.0,
    }


def _count_live(session: Session) -> int:
    by_lifecycle = _grouped(session, Automation.lifecycle)
    return sum(by_lifecycle.values()) - by_lifecycle.get(RETIRED, 0)


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
        .where(_live(), _no_index(session, Automation.review_state) == "pending")
        .group_by(_no_index(session, Automation.track))
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
    """Each scan target's last successful scan (ingesting a successful run records it)."""
    query = select(ScanTarget.name, ScanTarget.enabled, ScanTarget.last_success_at)
    return {
        name: {"enabled": bool(enabled), "last_success_at": _aware(last)}
        for name, enabled, last in session.execute(query)
    }


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
