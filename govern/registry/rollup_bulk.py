"""Many new policy results at once, counted into the metrics rollup in one pass.

The rollup (``metrics_count``, migrations 0005/0007) is kept by row triggers. On SQLite
the trigger for a new failing result costs ~45 µs: a first full evaluation of 100,000
automations (200,000 violations) spent 9 s in it. ``bulk_results`` takes the insert
trigger out for the duration of a large insert, inside the writer's own transaction
(SQLite has one writer at a time, and a rollback restores the trigger with everything
else), then adds the same deltas with two set-based statements and puts the trigger
back. PostgreSQL keeps its per-row trigger functions: they are cheap there.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import text
from sqlmodel import Session

from govern.registry.stats import has_rollup

#: Below this many rows the per-row trigger is cheaper than the set-based pass.
BULK_THRESHOLD = 2_000
TRIGGER = "metrics_policy_result_insert"
_INSERT = "INSERT INTO metrics_count (figure, key1, key2, n)"
_LIVE = "JOIN automation a ON a.id = r.automation_id AND a.lifecycle <> 'retired'"
_FAILING = "r.status = 'fail' AND r.state IN ('open', 'waived')"
_OPEN = "{t}.status = 'fail' AND {t}.state = 'open'"

#: New failing results of live automations, per state, policy and severity.
VIOLATIONS = (
    f"{_INSERT} SELECT 'violation_' || r.state, r.policy_id, r.severity, count(*) "
    f"FROM policy_result r {_LIVE} WHERE r.id > :floor AND {_FAILING} "
    "GROUP BY r.state, r.policy_id, r.severity"
)
#: Live automations that had no open result before and have one now.
WITH_OPEN = (
    f"{_INSERT} SELECT 'with_open', '', '', t.n FROM (SELECT count(*) AS n FROM ("
    f"SELECT DISTINCT r.automation_id AS id FROM policy_result r {_LIVE} "
    f"WHERE r.id > :floor AND {_OPEN.format(t='r')}) k WHERE NOT EXISTS ("
    f"SELECT 1 FROM policy_result o WHERE o.automation_id = k.id AND o.id <= :floor "
    f"AND {_OPEN.format(t='o')})) t WHERE t.n <> 0"
)


@contextmanager
def bulk_results(session: Session, rows: int) -> Iterator[None]:
    """Wrap the insert of ``rows`` new policy results (and nothing else) in ``session``."""
    bind = session.connection()
    if rows < BULK_THRESHOLD or bind.dialect.name != "sqlite" or not has_rollup(session):
        yield
        return
    sql = bind.execute(
        text("SELECT sql FROM sqlite_master WHERE type = 'trigger' AND name = :n"),
        {"n": TRIGGER},
    ).scalar()
    if sql is None:  # a database whose rollup is kept some other way
        yield
        return
    floor = bind.execute(text("SELECT coalesce(max(id), 0) FROM policy_result")).scalar_one()
    bind.execute(text(f"DROP TRIGGER {TRIGGER}"))
    try:
        yield
        bind.execute(text(VIOLATIONS), {"floor": floor})
        bind.execute(text(WITH_OPEN), {"floor": floor})
    finally:
        bind.execute(text(sql))  # the caller's rollback would restore it too
