"""The trigger-kept rollup (migration 0005_metrics_rollup) always equals the figures
recomputed from the tables, whatever writes the rows: the ORM, multi-row SQL statements,
retirements, revivals, deletes. SQLite (row triggers) and PostgreSQL (statement triggers)."""

from __future__ import annotations

import threading

import pytest
from metrics_support import seed
from sqlalchemy import insert, text

from govern.db import read_session, utcnow, write_session
from govern.registry import stats
from govern.registry.models import Automation, PolicyResult

pytestmark = pytest.mark.postgres


def _both(engine) -> tuple[dict, dict]:
    now = utcnow()
    with read_session(engine) as session:
        rollup = stats.summary(session, now=now, from_rollup=True)
    with read_session(engine) as session:
        recomputed = stats.summary(session, now=now, from_rollup=False)
    return rollup, recomputed


def _check(engine, step: str) -> dict:
    rollup, recomputed = _both(engine)
    for name in recomputed:
        assert rollup[name] == recomputed[name], f"{name} differs after: {step}"
    return rollup


def _sql(engine, *statements: str, **params) -> None:
    with write_session(engine) as session:
        for statement in statements:
            session.execute(text(statement), params)


def _automation(key: str, **values) -> dict:
    namespace, name = key.split("/")
    row = {
        "key": key,
        "namespace": namespace,
        "name": name,
        "platform": "python",
        "trigger": {},
        "tags": [],
        "annotations": {},
        "risk_factors": [],
        "manifest": {},
        "created_at": utcnow(),
        "updated_at": utcnow(),
    }
    row.update(values)
    return row


def test_rollup_is_filled_by_the_migration_and_kept_by_every_write(engine):
    with read_session(engine) as session:
        assert stats.has_rollup(session)
    _check(engine, "empty")
    seed(engine)
    seeded = _check(engine, "seed (ORM inserts)")
    assert seeded["automations"]["total"] == 6 and seeded["compliance"]["with_open_violations"] == 3

    # several automations in one statement, two sharing a fingerprint with live ones
    with write_session(engine) as session:
        session.execute(
            insert(Automation),
            [
                _automation("ops/a", fingerprint="F2", owner_email="dan@example.com"),
                _automation("ops/b", fingerprint="F2", uses_ai=True, review_state="approved"),
                _automation("ops/c", fingerprint="F9", lifecycle="retired", department="ops"),
                _automation("ops/d", fingerprint="F9", track="production", department="ops"),
            ],
        )
    after = _check(engine, "multi-row insert")
    assert after["duplicates"] == {"groups": 2, "automations": 6}

    # every dimension of one automation changes; an ORM update
    _sql(
        engine,
        "UPDATE automation SET platform = 'vba', department = 'legal', origin = 'both', "
        "reconciliation_state = 'unverified', review_state = 'pending', risk_tier = 'high', "
        "track = 'production', owner_email = 'bob@example.com', uses_ai = :ai, "
        "fingerprint = 'F1' WHERE key = 'ops/a'",
        ai=True,
    )
    _check(engine, "one row, every column")

    # a statement retiring several automations at once, two of a duplicate group
    _sql(engine, "UPDATE automation SET lifecycle = 'retired' WHERE namespace = 'finance'")
    retired = _check(engine, "retire a namespace")
    assert retired["automations"]["by_lifecycle"]["retired"] == 4

    # revived, and one of them given new fingerprints in the same statement
    _sql(
        engine,
        "UPDATE automation SET lifecycle = 'active', "
        "fingerprint = CASE WHEN name = 'close' THEN 'F2' ELSE fingerprint END "
        "WHERE lifecycle = 'retired'",
    )
    _check(engine, "revive all, change a fingerprint")

    # updates that move only dimensions (the fast trigger on SQLite): several rows,
    # a retired one among them, and a row whose values do not change at all
    _sql(engine, "UPDATE automation SET lifecycle = 'retired' WHERE key = 'ops/c'")
    _sql(
        engine,
        "UPDATE automation SET risk_tier = 'critical', review_state = 'pending', "
        "track = 'production', uses_ai = NOT uses_ai WHERE namespace = 'ops'",
    )
    moved = _check(engine, "dimensions of several rows, one retired")
    # the three live ops automations, and the one the seed made critical
    assert moved["automations"]["by_risk_tier"].get("critical") == 4
    _sql(engine, "UPDATE automation SET risk_tier = risk_tier, owner_email = owner_email")
    _sql(engine, "UPDATE automation SET lifecycle = 'active' WHERE key = 'ops/c'")
    _check(engine, "no-op update, then revive")

    # results: new ones, several flipped by one statement, moved to another automation
    with write_session(engine) as session:
        ids = dict(session.execute(text("SELECT name, id FROM automation")).all())
        session.execute(
            insert(PolicyResult),
            [
                {"policy_id": "p1", "automation_id": ids["a"], "status": "fail",
                 "state": "open", "severity": "low", "evidence": []},
                {"policy_id": "p2", "automation_id": ids["a"], "status": "fail",
                 "state": "open", "severity": "high", "evidence": []},
                {"policy_id": "p1", "automation_id": ids["d"], "status": "fail",
                 "state": "waived", "severity": "low", "evidence": []},
            ],
        )  # fmt: skip
    _check(engine, "multi-row result insert")
    _sql(engine, "UPDATE policy_result SET state = 'waived' WHERE policy_id = 'no-secrets'")
    _check(engine, "waive a policy's results")
    _sql(
        engine,
        "UPDATE policy_result SET state = 'open', automation_id = :to "
        "WHERE policy_id = 'p1' AND automation_id = :from_",
        to=ids["b"],
        from_=ids["a"],
    )
    _check(engine, "move a result to another automation")
    _sql(engine, "UPDATE policy_result SET status = 'pass', state = NULL WHERE policy_id = 'p2'")
    _check(engine, "results pass")

    # retire an automation with open results, then delete its results and itself
    _sql(engine, "UPDATE automation SET lifecycle = 'retired' WHERE id = :id", id=ids["b"])
    _check(engine, "retire an automation with open results")
    _sql(engine, "UPDATE automation SET lifecycle = 'active' WHERE id = :id", id=ids["b"])
    _check(engine, "revive it")
    _sql(engine, "DELETE FROM policy_result WHERE automation_id = :id", id=ids["b"])
    _check(engine, "delete its results")
    _sql(
        engine,
        "DELETE FROM policy_result WHERE automation_id IN (SELECT id FROM automation "
        "WHERE namespace IN ('ops', 'hr'))",
        "DELETE FROM automation WHERE namespace IN ('ops', 'hr')",
    )
    last = _check(engine, "delete automations")
    assert last["automations"]["total"] == 5

    # an update that changes nothing the figures read adds no rollup rows
    with read_session(engine) as session:
        rows = session.execute(text("SELECT count(*) FROM metrics_count")).scalar_one()
    _sql(engine, "UPDATE automation SET title = 'renamed', updated_at = :now", now=utcnow())
    with read_session(engine) as session:
        assert session.execute(text("SELECT count(*) FROM metrics_count")).scalar_one() == rows


def test_compact_folds_rows_and_keeps_the_figures(engine):
    seed(engine)
    for n in range(5):
        _sql(
            engine, "UPDATE automation SET review_state = :s", s="approved" if n % 2 else "pending"
        )
    before = _check(engine, "updates")
    with read_session(engine) as session:
        rows = session.execute(text("SELECT count(*) FROM metrics_count")).scalar_one()
        stats.summary(session)
        assert stats.backlog(session) > 0
    removed = stats.compact(engine)
    assert removed > 0
    with read_session(engine) as session:
        after_rows = session.execute(text("SELECT count(*) FROM metrics_count")).scalar_one()
        stats.summary(session)
        assert stats.backlog(session) == 0
    assert after_rows == rows - removed
    after = _check(engine, "compact")
    assert {k: v for k, v in after.items() if k != "review"} == {
        k: v for k, v in before.items() if k != "review"
    }
    assert stats.compact(engine) == 0


def test_scrape_folds_a_large_backlog(engine, settings, monkeypatch):
    from govern.web import create_app

    seed(engine)
    monkeypatch.setattr(stats, "COMPACT_BACKLOG", 10)
    for n in range(4):
        _sql(engine, "UPDATE automation SET track = :t", t="production" if n % 2 else "sandbox")
    with read_session(engine) as session:
        rows = session.execute(text("SELECT count(*) FROM metrics_count")).scalar_one()
    app = create_app(settings, {"TESTING": True})
    try:
        assert app.test_client().get("/metrics").status_code == 200
    finally:
        app.extensions["govern"].engine.dispose()
    with read_session(engine) as session:
        assert session.execute(text("SELECT count(*) FROM metrics_count")).scalar_one() < rows
    _check(engine, "scrape folded the rollup")


def test_concurrent_writers_keep_the_rollup_exact(engine):
    """Two transactions add a holder to the same fingerprint and an open violation to the
    same automation at once; the second waits for the first (SQLite: the write lock;
    PostgreSQL: the triggers' locks) and counts what it committed."""
    seed(engine)
    with read_session(engine) as session:
        backup = session.execute(text("SELECT id FROM automation WHERE name = 'backup'")).scalar()

    def write(name: str, policy: str) -> None:
        with write_session(engine) as session:
            session.execute(insert(Automation), _automation(f"race/{name}", fingerprint="F2"))
            session.execute(
                insert(PolicyResult),
                {"policy_id": policy, "automation_id": backup, "status": "fail",
                 "state": "open", "severity": "high", "evidence": []},
            )  # fmt: skip

    errors: list[BaseException] = []

    def second() -> None:
        try:
            write("two", "race-2")
        except BaseException as exc:  # reported by the assertion below
            errors.append(exc)

    with write_session(engine) as session:
        session.execute(insert(Automation), _automation("race/one", fingerprint="F2"))
        session.execute(
            insert(PolicyResult),
            {"policy_id": "race-1", "automation_id": backup, "status": "fail",
             "state": "open", "severity": "high", "evidence": []},
        )  # fmt: skip
        racer = threading.Thread(target=second)
        racer.start()
        racer.join(timeout=1.0)
        assert racer.is_alive(), "the second writer should wait for the first"
    racer.join(timeout=30)
    assert not errors, errors
    figures = _check(engine, "two concurrent writers")
    # F2: payroll-macro plus the two new ones; backup now has open violations
    assert figures["duplicates"] == {"groups": 2, "automations": 6}
    assert figures["compliance"]["with_open_violations"] == 4


def test_a_large_results_insert_is_counted_in_one_pass(engine, monkeypatch):
    """A full evaluation writing many results counts them set-based (SQLite: the insert
    trigger is out for the insert, back afterwards); the figures stay exact, including
    automations that already had open results and retired ones."""
    from govern.policies.evaluate import evaluate_committed
    from govern.policies.setup import install_pack
    from govern.registry import rollup_bulk

    seed(engine)
    _sql(engine, "UPDATE automation SET lifecycle = 'retired' WHERE key = 'it/backup'")
    monkeypatch.setattr(rollup_bulk, "BULK_THRESHOLD", 1)
    with read_session(engine) as session:
        before = session.execute(text("SELECT count(*) FROM policy_result")).scalar_one()
    install_pack(engine)  # enables the pack and runs the first full evaluation
    with read_session(engine) as session:
        after = session.execute(text("SELECT count(*) FROM policy_result")).scalar_one()
        if engine.dialect.name == "sqlite":
            triggers = session.execute(
                text("SELECT count(*) FROM sqlite_master WHERE name = :n"),
                {"n": rollup_bulk.TRIGGER},
            ).scalar_one()
            assert triggers == 1  # back in place
    assert after > before
    figures = _check(engine, "a full evaluation inserting results in bulk")
    assert figures["compliance"]["with_open_violations"] >= 3
    # a changed automation opens results again, beside the open ones it has
    _sql(engine, "UPDATE automation SET owner_email = NULL WHERE key = 'finance/close'")
    assert evaluate_committed(engine).opened > 0
    _check(engine, "a second pass")


def test_bulk_results_skip_retired_automations(engine):
    from govern.registry.rollup_bulk import bulk_results

    seed(engine)
    with write_session(engine) as session:
        ids = dict(session.execute(text("SELECT key, lifecycle FROM automation")).all())
        live = [k for k, life in ids.items() if life != "retired"]
        retired = [k for k, life in ids.items() if life == "retired"]
        assert live and retired
        keys = {k: i for k, i in session.execute(text("SELECT key, id FROM automation")).all()}
        rows = [
            {"policy_id": f"bulk-{n}", "automation_id": keys[k], "status": "fail",
             "state": "open" if n % 2 else "waived", "severity": "high", "evidence": []}
            for n in range(4) for k in (live[0], retired[0], live[-1])
        ]  # fmt: skip
        with bulk_results(session, rows=10_000):
            session.execute(insert(PolicyResult), rows)
    _check(engine, "bulk insert with retired automations")
