"""Inventory figures as cheap SQL aggregates, returned as plain dicts.

The metrics collector calls these at every scrape and the dashboard shows them.

In a migrated database (migration ``0005_metrics_rollup``) the automation and violation
figures come from ``metrics_count``: database triggers on ``automation`` and
``policy_result`` append signed deltas to it in the writing transaction, so its sums
are exactly what the registry holds, whoever wrote (API, ingest, import, plain SQL).
A scrape reads a few thousand small rows (mostly one per owner) instead of 100,000
automations; ``compact`` folds the deltas together now and then. The oldest pending
review per track is the first entry of a partial index. Waivers, people and scan
targets are small tables and are counted directly.

A database made without the migrations (``create_all`` scratch databases) has no
rollup: the same figures are then computed from the tables (``from_rollup=False`` asks
for that path explicitly; the tests use it to check the rollup).

"Live" automations are those not retired; every automation figure except
``by_lifecycle`` counts live automations only. Call these in a session that does not
also write (figures read once are reused for the rest of the session).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from datetime import UTC, date, datetime, timedelta
from typing import Any
from weakref import WeakKeyDictionary

from sqlalchemy import and_, func, inspect, literal_column, or_, select, text, tuple_
from sqlalchemy.engine import Engine
from sqlalchemy.sql import ColumnElement
from sqlmodel import Session, col

from govern.db import utcnow, write_session
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


def _scan_automation_counts(
    session: Session, dimensions: Iterable[str] | None = None
) -> dict[str, Any]:
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


def _scan_duplicates(session: Session) -> dict[str, int]:
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


def _scan_orphans(session: Session) -> dict[str, int]:
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
        if not email:  # none recorded (the rollup also files an empty owner here)
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


def _scan_violations(session: Session) -> dict[str, Any]:
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


def _scan_compliance(session: Session) -> dict[str, Any]:
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


def _scan_review_backlog(session: Session, *, now: datetime | None = None) -> dict[str, Any]:
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


def summary(
    session: Session, *, now: datetime | None = None, from_rollup: bool | None = None
) -> dict[str, Any]:
    """Every figure above in one dict (the dashboard's and the collector's input)."""
    now = now or utcnow()
    rollup = from_rollup
    return {
        "automations": automation_counts(session, from_rollup=rollup),
        "duplicates": duplicates(session, from_rollup=rollup),
        "orphans": orphans(session, from_rollup=rollup),
        "violations": violations(session, from_rollup=rollup),
        "compliance": compliance(session, from_rollup=rollup),
        "waivers": waivers(session, now=now),
        "review": review_backlog(session, now=now, from_rollup=rollup),
        "people": people(session, today=now.date()),
        "scan_targets": scan_targets(session),
    }


# --- The rollup (migration 0005_metrics_rollup) --------------------------------------

ROLLUP_TABLE = "metrics_count"
#: Fold the deltas together when this many rows could be saved.
COMPACT_BACKLOG = 5_000
_ROLLUP_KEY = "govern.stats.rollup"
_HAS_ROLLUP: WeakKeyDictionary[Engine, bool] = WeakKeyDictionary()


def has_rollup(session: Session) -> bool:
    """Whether the database keeps ``metrics_count`` (cached per engine)."""
    bind = session.get_bind()
    engine = getattr(bind, "engine", bind)
    found = _HAS_ROLLUP.get(engine)
    if found is None:
        found = inspect(session.connection()).has_table(ROLLUP_TABLE)
        _HAS_ROLLUP[engine] = found
    return found


def _use_rollup(session: Session, from_rollup: bool | None) -> bool:
    if from_rollup is None:
        return has_rollup(session)
    return from_rollup


class _Rollup:
    """The summed rollup of one session: figure -> {(key1, key2): n}, zeros left out."""

    def __init__(self, session: Session):
        query = text(
            f"SELECT figure, key1, key2, sum(n), count(*) FROM {ROLLUP_TABLE} "
            "WHERE figure <> 'owner' GROUP BY figure, key1, key2"
        )
        self.figures: dict[str, dict[tuple[str, str], int]] = {}
        self.rows = self.groups = 0
        for figure, key1, key2, n, rows in session.execute(query):
            self.rows += int(rows)
            self.groups += 1
            if n:
                self.figures.setdefault(figure, {})[(key1, key2)] = int(n)

    def by_key1(self, figure: str) -> dict[str, int]:
        counts: dict[str, int] = {}
        for (key1, _), n in self.figures.get(figure, {}).items():
            label = _label(key1)
            counts[label] = counts.get(label, 0) + n
        return counts

    def one(self, figure: str) -> int:
        return sum(self.figures.get(figure, {}).values())


def _rollup(session: Session) -> _Rollup:
    cached = session.info.get(_ROLLUP_KEY)
    if cached is None:
        cached = session.info[_ROLLUP_KEY] = _Rollup(session)
    return cached


def backlog(session: Session) -> int:
    """Rollup rows that folding would save, as seen by this session's reads."""
    rollup = session.info.get(_ROLLUP_KEY)
    if rollup is None:
        return 0
    return rollup.rows - rollup.groups + session.info.get(_OWNER_BACKLOG_KEY, 0)


def compact(engine: Engine) -> int:
    """Fold the rollup's delta rows into one row per key; returns the rows removed.

    Safe beside concurrent writers: only rows up to the highest id seen are folded, in
    one transaction (on PostgreSQL one statement, then a VACUUM of the small table), so
    none is lost or counted twice."""
    with write_session(engine) as session:
        top = session.execute(text(f"SELECT max(id) FROM {ROLLUP_TABLE}")).scalar_one()
        if top is None:
            return 0
        sums = (
            "SELECT figure, key1, key2, sum(n) FROM {rows} GROUP BY figure, key1, key2 "
            "HAVING sum(n) <> 0"
        )
        insert = f"INSERT INTO {ROLLUP_TABLE} (figure, key1, key2, n) "
        if _dialect(session) == "postgresql":
            moved = f"DELETE FROM {ROLLUP_TABLE} WHERE id <= :top RETURNING figure, key1, key2, n"
            folded = f"{insert}{sums.format(rows='moved')} RETURNING 1"
            removed = session.execute(
                text(
                    f"WITH moved AS ({moved}), folded AS ({folded}) "
                    "SELECT (SELECT count(*) FROM moved) - (SELECT count(*) FROM folded)"
                ),
                {"top": top},
            ).scalar_one()
        else:
            old = f"(SELECT * FROM {ROLLUP_TABLE} WHERE id <= :top) r"
            kept = session.execute(text(insert + sums.format(rows=old)), {"top": top}).rowcount
            deleted = session.execute(
                text(f"DELETE FROM {ROLLUP_TABLE} WHERE id <= :top"), {"top": top}
            ).rowcount
            removed = deleted - kept
    if engine.dialect.name == "postgresql" and removed:
        # The folded rows are dead tuples until vacuumed; the rollup's index-only scans
        # would visit each of them (after a bulk load: ~900,000, 200 ms per scrape).
        with engine.connect() as conn:
            conn.execution_options(isolation_level="AUTOCOMMIT")
            conn.exec_driver_sql(f"VACUUM (ANALYZE) {ROLLUP_TABLE}")
    return removed


def automation_counts(
    session: Session,
    dimensions: Iterable[str] | None = None,
    *,
    from_rollup: bool | None = None,
) -> dict[str, Any]:
    """Live automations: total, by each dimension, by lifecycle (all), shadow, using AI."""
    if not _use_rollup(session, from_rollup):
        return _scan_automation_counts(session, dimensions)
    names = list(DIMENSIONS) if dimensions is None else list(dimensions)
    rollup = _rollup(session)
    by_lifecycle = rollup.by_key1("lifecycle")
    figures: dict[str, Any] = {"total": sum(by_lifecycle.values()) - by_lifecycle.get(RETIRED, 0)}
    for name in names:
        figures[f"by_{name}"] = rollup.by_key1(name)
    figures["by_lifecycle"] = by_lifecycle
    figures["shadow"] = rollup.by_key1("reconciliation").get("shadow", 0)
    figures["uses_ai"] = rollup.one("uses_ai")
    return figures


def duplicates(session: Session, *, from_rollup: bool | None = None) -> dict[str, int]:
    """Live automations sharing a content fingerprint with another live automation."""
    if not _use_rollup(session, from_rollup):
        return _scan_duplicates(session)
    rollup = _rollup(session)
    return {"groups": rollup.one("dup_groups"), "automations": rollup.one("dup_automations")}


_OWNER_BACKLOG_KEY = "govern.stats.owner_backlog"


def orphans(session: Session, *, from_rollup: bool | None = None) -> dict[str, int]:
    """Live automations whose owner is missing, unknown (no person record) or inactive.

    Live automations per owner (the rollup) joined to the people table: one row per
    owner, far fewer than automations."""
    if not _use_rollup(session, from_rollup):
        return _scan_orphans(session)
    query = text(
        "SELECT o.key1 = '' AS no_owner, p.id IS NULL AS unknown, p.active, sum(o.n), "
        "sum(o.rows), count(*) FROM (SELECT key1, sum(n) AS n, count(*) AS rows "
        f"FROM {ROLLUP_TABLE} WHERE figure = 'owner' GROUP BY key1) o "
        "LEFT JOIN person p ON p.email = o.key1 GROUP BY 1, 2, 3"
    )
    counts = {"no_owner": 0, "unknown_owner": 0, "inactive_owner": 0}
    rows = groups = 0
    for no_owner, unknown, active, n, raw, owners in session.execute(query):
        rows, groups = rows + int(raw), groups + int(owners)
        if no_owner:
            counts["no_owner"] += int(n)
        elif unknown:
            counts["unknown_owner"] += int(n)
        elif not active:
            counts["inactive_owner"] += int(n)
    session.info[_OWNER_BACKLOG_KEY] = rows - groups
    return {"total": sum(counts.values()), **counts}


def violations(session: Session, *, from_rollup: bool | None = None) -> dict[str, Any]:
    """Failing policy results on live automations: open and waived, by policy and severity."""
    if not _use_rollup(session, from_rollup):
        return _scan_violations(session)
    rollup = _rollup(session)
    figures: dict[str, Any] = {}
    for state in _FAILING_STATES:
        by_policy: dict[str, dict[str, int]] = {}
        by_severity: dict[str, int] = {}
        for (policy_id, severity), n in sorted(
            rollup.figures.get(f"violation_{state}", {}).items()
        ):
            if n <= 0:
                continue
            by_policy.setdefault(policy_id, {})[severity] = n
            by_severity[severity] = by_severity.get(severity, 0) + n
        figures[state] = sum(by_severity.values())
        figures[f"{state}_by_policy"] = by_policy
        figures[f"{state}_by_severity"] = by_severity
    return figures


def compliance(session: Session, *, from_rollup: bool | None = None) -> dict[str, Any]:
    """Share of live automations without any open violation (1.0 when there are none)."""
    if not _use_rollup(session, from_rollup):
        return _scan_compliance(session)
    rollup = _rollup(session)
    by_lifecycle = rollup.by_key1("lifecycle")
    total = sum(by_lifecycle.values()) - by_lifecycle.get(RETIRED, 0)
    failing = rollup.one("with_open")
    compliant = total - failing
    return {
        "automations": total,
        "with_open_violations": failing,
        "compliant": compliant,
        "ratio": (compliant / total) if total else 1.0,
    }


#: Written as the partial index ix_automation_pending_since is (literals, no parameters,
#: so SQLite can tell the index applies); the first entry per track is the oldest.
_OLDEST_PENDING = text(
    "SELECT min(COALESCE(reviewed_at, created_at)) FROM automation "
    "WHERE review_state = 'pending' AND lifecycle <> 'retired' AND track = :track"
)


def review_backlog(
    session: Session, *, now: datetime | None = None, from_rollup: bool | None = None
) -> dict[str, Any]:
    """Live automations waiting for review, by track, and how long the oldest has waited.

    An automation waits since its last review decision was reset, or since it was created.
    """
    if not _use_rollup(session, from_rollup):
        return _scan_review_backlog(session, now=now)
    now = now or utcnow()
    by_track = _rollup(session).by_key1("pending")
    oldest_by_track: dict[str, float] = {}
    for track in by_track:
        oldest = session.execute(_OLDEST_PENDING, {"track": track}).scalar_one()
        oldest_at = _aware(_as_datetime(oldest))
        if oldest_at is not None:
            oldest_by_track[track] = max(0.0, (now - oldest_at).total_seconds())
    return {
        "pending": sum(by_track.values()),
        "by_track": by_track,
        "oldest_age_seconds_by_track": oldest_by_track,
        "oldest_age_seconds": max(oldest_by_track.values(), default=None),
    }
