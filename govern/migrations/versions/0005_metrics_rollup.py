"""metrics: inventory counts kept by database triggers (a rollup of deltas)

Revision ID: 0005_metrics_rollup
Revises: 0004_merge_heads
Create Date: 2026-11-28 04:40:00

``/metrics`` must show the registry's current figures at every scrape without reading
100,000 rows. Triggers on ``automation`` and ``policy_result`` append signed deltas to
``metrics_count`` (figure, key1, key2, n); a figure is the sum of its rows. Appending
(never updating one shared counter row) means concurrent writers never wait on, or
deadlock over, the same rows; ``govern.registry.stats.compact`` folds the rows together.
Because the database keeps the counts, every write path (API, ingest, imports, plain SQL)
keeps them exact. A partial index answers "oldest pending review" per track.

Figures (every automation figure counts live automations, lifecycle <> 'retired'):

- ``lifecycle`` (all automations), ``platform``, ``department``, ``origin``,
  ``reconciliation``, ``review``, ``risk_tier``, ``track``, ``owner``: key1 = the value
  ('' for none); ``uses_ai``; ``pending`` (key1 = track)
- ``dup_groups``, ``dup_automations``: fingerprints shared by several live automations
- ``violation_open``, ``violation_waived``: failing results of live automations, key1 =
  policy, key2 = severity; ``with_open``: live automations with an open violation

Each trigger works on the set of changed rows, each with a sign: -1 for the old version,
+1 for the new. SQLite runs row triggers (the set is the one row, built from OLD/NEW);
PostgreSQL runs statement triggers over the transition tables, because its row triggers
fire after the whole statement, when per-row "before" counts can no longer be derived.
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0005_metrics_rollup"
down_revision: str | Sequence[str] | None = "0004_merge_heads"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

INSERT = "INSERT INTO metrics_count (figure, key1, key2, n)"
#: First key of the PostgreSQL advisory locks the triggers take (per fingerprint).
LOCK_SPACE = 70_051
DIMENSIONS = {
    "platform": "platform",
    "department": "department",
    "origin": "origin",
    "reconciliation": "reconciliation_state",
    "review": "review_state",
    "risk_tier": "risk_tier",
    "track": "track",
    "owner": "owner_email",
}
#: The automation columns the figures read, and the policy result ones.
AUTOMATION = ["id", "lifecycle", *DIMENSIONS.values(), "uses_ai", "fingerprint"]
RESULT = ["automation_id", "policy_id", "status", "state", "severity"]
LIVE = "lifecycle <> 'retired'"


def _open(t: str) -> str:
    return f"{t}.status = 'fail' AND {t}.state = 'open'"


def _failing(t: str) -> str:
    return f"{t}.status = 'fail' AND {t}.state IN ('open', 'waived')"


def _automation_statements(s: str, lock: bool = False) -> list[str]:
    """Statements over ``s``: the changed automation rows, each with a ``sign``."""
    pairs = [("'lifecycle'", "s.lifecycle", "TRUE")]
    for figure, column in DIMENSIONS.items():
        pairs.append((f"'{figure}'", f"COALESCE(s.{column}, '')", f"s.{LIVE}"))
    pairs.append(("'uses_ai'", "''", f"s.{LIVE} AND s.uses_ai"))
    pairs.append(("'pending'", "s.track", f"s.{LIVE} AND s.review_state = 'pending'"))
    unpivot = " UNION ALL ".join(
        f"SELECT {figure} AS figure, {key} AS key1, s.sign AS sign FROM {s} s WHERE {ok}"
        for figure, key, ok in pairs
    )
    dims = (
        f"{INSERT} SELECT d.figure, d.key1, '', sum(d.sign) FROM ({unpivot}) d "
        "GROUP BY d.figure, d.key1 HAVING sum(d.sign) <> 0"
    )
    # Fingerprints whose live holders changed: holders now (fingerprint index) vs before.
    changed = (
        f"SELECT s.fingerprint AS fp, sum(s.sign) AS change FROM {s} s "
        f"WHERE s.fingerprint IS NOT NULL AND s.{LIVE} GROUP BY s.fingerprint "
        "HAVING sum(s.sign) <> 0"
    )
    counted = (
        "SELECT (SELECT count(*) FROM automation a WHERE a.fingerprint = c.fp "
        f"AND a.{LIVE}) AS now_n, c.change AS change FROM ({changed}) c"
    )
    dup = []
    for figure, value in (("dup_groups", "1"), ("dup_automations", "{n}")):
        now = value.format(n="k.now_n")
        was = value.format(n="(k.now_n - k.change)")
        total = (
            f"sum((CASE WHEN k.now_n > 1 THEN {now} ELSE 0 END) "
            f"- (CASE WHEN k.now_n - k.change > 1 THEN {was} ELSE 0 END))"
        )
        dup.append(
            f"{INSERT} SELECT '{figure}', '', '', t.n FROM (SELECT {total} AS n "
            f"FROM ({counted}) k) t WHERE t.n <> 0"
        )
    # Automations that became live (+1) or stopped being live (-1): their results.
    liveness = (
        f"SELECT s.id AS id, sum(s.sign) AS change FROM {s} s WHERE s.{LIVE} "
        "GROUP BY s.id HAVING sum(s.sign) <> 0"
    )
    results = [
        f"{INSERT} SELECT 'violation_' || r.state, r.policy_id, r.severity, sum(l.change) "
        f"FROM ({liveness}) l JOIN policy_result r ON r.automation_id = l.id "
        f"WHERE {_failing('r')} GROUP BY r.state, r.policy_id, r.severity "
        "HAVING sum(l.change) <> 0",
        f"{INSERT} SELECT 'with_open', '', '', t.n FROM (SELECT sum(l.change) AS n "
        f"FROM ({liveness}) l WHERE EXISTS (SELECT 1 FROM policy_result r "
        f"WHERE r.automation_id = l.id AND {_open('r')})) t WHERE t.n <> 0",
    ]
    if lock:
        # PostgreSQL: two transactions changing holders of one fingerprint must not both
        # count from before the other's change. A lock per fingerprint (taken in order)
        # makes the second wait, then count with the first one's rows committed.
        dup.insert(
            0,
            f"PERFORM pg_advisory_xact_lock({LOCK_SPACE}, hashtext(c.fp)) FROM ({changed}) c "
            "ORDER BY c.fp",
        )
    return [dims, *dup, *results]


def _result_statements(s: str, lock: bool = False) -> list[str]:
    """Statements over ``s``: the changed policy result rows, each with a ``sign``."""
    live_automation = "JOIN automation a ON a.id = {id} AND a.lifecycle <> 'retired'"
    violations = (
        f"{INSERT} SELECT 'violation_' || s.state, s.policy_id, s.severity, sum(s.sign) "
        f"FROM {s} s {live_automation.format(id='s.automation_id')} WHERE {_failing('s')} "
        "GROUP BY s.state, s.policy_id, s.severity HAVING sum(s.sign) <> 0"
    )
    changed = (
        f"SELECT s.automation_id AS id, sum(s.sign) AS change FROM {s} s WHERE {_open('s')} "
        "GROUP BY s.automation_id HAVING sum(s.sign) <> 0"
    )
    counted = (
        "SELECT (SELECT count(*) FROM policy_result r WHERE r.automation_id = c.id "
        f"AND {_open('r')}) AS now_n, c.change AS change FROM ({changed}) c "
        f"{live_automation.format(id='c.id')}"
    )
    with_open = (
        f"{INSERT} SELECT 'with_open', '', '', t.n FROM (SELECT "
        "sum((CASE WHEN k.now_n > 0 THEN 1 ELSE 0 END) "
        "- (CASE WHEN k.now_n - k.change > 0 THEN 1 ELSE 0 END)) AS n "
        f"FROM ({counted}) k) t WHERE t.n <> 0"
    )
    if not lock:
        return [violations, with_open]
    # PostgreSQL: lock the results' automations (in id order) so that result writers of
    # one automation, and a retirement of it, take turns and each counts what the
    # previous one committed; an automation update already holds its row lock.
    locking = (
        f"PERFORM 1 FROM automation a WHERE a.id IN (SELECT s.automation_id FROM {s} s) "
        "ORDER BY a.id FOR NO KEY UPDATE"
    )
    return [locking, violations, with_open]


TABLES = {
    "automation": (AUTOMATION, _automation_statements),
    "policy_result": (RESULT, _result_statements),
}

BACKFILL = [
    f"{INSERT} SELECT 'lifecycle', lifecycle, '', count(*) FROM automation GROUP BY lifecycle",
    *[
        f"{INSERT} SELECT '{figure}', COALESCE({column}, ''), '', count(*) FROM automation "
        f"WHERE {LIVE} GROUP BY COALESCE({column}, '')"
        for figure, column in DIMENSIONS.items()
    ],
    f"{INSERT} SELECT 'uses_ai', '', '', t.n FROM (SELECT count(*) AS n FROM automation "
    f"WHERE {LIVE} AND uses_ai) t WHERE t.n > 0",
    f"{INSERT} SELECT 'pending', track, '', count(*) FROM automation "
    f"WHERE {LIVE} AND review_state = 'pending' GROUP BY track",
    f"{INSERT} SELECT 'dup_groups', '', '', count(*) FROM (SELECT fingerprint FROM automation "
    f"WHERE {LIVE} AND fingerprint IS NOT NULL GROUP BY fingerprint HAVING count(*) > 1) g",
    f"{INSERT} SELECT 'dup_automations', '', '', COALESCE(sum(g.n), 0) FROM (SELECT count(*) AS n "
    f"FROM automation WHERE {LIVE} AND fingerprint IS NOT NULL "
    "GROUP BY fingerprint HAVING count(*) > 1) g",
    f"{INSERT} SELECT 'violation_' || r.state, r.policy_id, r.severity, count(*) "
    "FROM policy_result r JOIN automation a ON a.id = r.automation_id "
    f"WHERE a.{LIVE} AND {_failing('r')} GROUP BY r.state, r.policy_id, r.severity",
    f"{INSERT} SELECT 'with_open', '', '', count(DISTINCT r.automation_id) "
    "FROM policy_result r JOIN automation a ON a.id = r.automation_id "
    f"WHERE a.{LIVE} AND {_open('r')}",
    "DELETE FROM metrics_count WHERE n = 0",
]


def upgrade() -> None:
    dialect = op.get_bind().dialect.name
    id_type = (
        "INTEGER PRIMARY KEY AUTOINCREMENT" if dialect == "sqlite" else "BIGSERIAL PRIMARY KEY"
    )
    op.execute(
        f"CREATE TABLE metrics_count (id {id_type}, figure VARCHAR(40) NOT NULL, "
        "key1 VARCHAR(320) NOT NULL, key2 VARCHAR(120) NOT NULL, n BIGINT NOT NULL)"
    )
    op.execute("CREATE INDEX ix_metrics_count_key ON metrics_count (figure, key1, key2, n)")
    # The longest-waiting pending review per track: the first entry of this index.
    op.execute(
        "CREATE INDEX ix_automation_pending_since ON automation "
        "(track, (COALESCE(reviewed_at, created_at))) "
        f"WHERE review_state = 'pending' AND {LIVE}"
    )
    for statement in BACKFILL:
        op.execute(statement)
    if dialect == "sqlite":
        _create_sqlite()
    else:
        _create_postgresql()


def _row(columns: list[str], version: str, sign: str) -> str:
    picked = ", ".join(f"{version}.{c} AS {c}" for c in columns)
    return f"SELECT {sign} AS sign, {picked}"


def _create_sqlite() -> None:
    for table, (columns, statements) in TABLES.items():
        old, new = _row(columns, "OLD", "-1"), _row(columns, "NEW", "1")
        changed = " OR ".join(f"OLD.{c} IS NOT NEW.{c}" for c in columns)
        for event, rows, when in (
            ("INSERT", f"({new})", ""),
            ("DELETE", f"({old})", ""),
            (
                f"UPDATE OF {', '.join(columns)}",
                f"({old} UNION ALL {new})",
                f" WHEN {changed}",
            ),
        ):
            name = f"metrics_{table}_{event.split()[0].lower()}"
            body = ";\n  ".join(statements(rows))
            op.execute(
                f"CREATE TRIGGER {name} AFTER {event} ON {table} FOR EACH ROW{when}\n"
                f"BEGIN\n  {body};\nEND"
            )


def _create_postgresql() -> None:
    for table, (columns, statements) in TABLES.items():
        picked = ", ".join(columns)
        old = f"SELECT -1 AS sign, {picked} FROM old_rows"
        new = f"SELECT 1 AS sign, {picked} FROM new_rows"
        for event, rows, referencing in (
            ("INSERT", f"({new})", "NEW TABLE AS new_rows"),
            ("DELETE", f"({old})", "OLD TABLE AS old_rows"),
            ("UPDATE", f"({old} UNION ALL {new})", "OLD TABLE AS old_rows NEW TABLE AS new_rows"),
        ):
            name = f"metrics_{table}_{event.lower()}"
            body = ";\n  ".join(statements(rows, lock=True))
            op.execute(
                f"CREATE FUNCTION {name}() RETURNS trigger LANGUAGE plpgsql AS $$\nBEGIN\n"
                f"  {body};\n  RETURN NULL;\nEND\n$$"
            )
            op.execute(
                f"CREATE TRIGGER {name} AFTER {event} ON {table} REFERENCING {referencing} "
                f"FOR EACH STATEMENT EXECUTE FUNCTION {name}()"
            )
    # TRUNCATE fires no row trigger: clear what the truncated table contributed.
    op.execute(
        "CREATE FUNCTION metrics_truncate() RETURNS trigger LANGUAGE plpgsql AS $$\nBEGIN\n"
        "  IF TG_TABLE_NAME = 'automation' THEN DELETE FROM metrics_count;\n"
        "  ELSE DELETE FROM metrics_count WHERE figure IN "
        "('violation_open', 'violation_waived', 'with_open');\n  END IF;\n  RETURN NULL;\nEND\n$$"
    )
    for table in TABLES:
        op.execute(
            f"CREATE TRIGGER metrics_{table}_truncate AFTER TRUNCATE ON {table} "
            "FOR EACH STATEMENT EXECUTE FUNCTION metrics_truncate()"
        )


def downgrade() -> None:
    sqlite = op.get_bind().dialect.name == "sqlite"
    for table in TABLES:
        for event in ("insert", "delete", "update", "truncate"):
            name = f"metrics_{table}_{event}"
            if sqlite:
                op.execute(f"DROP TRIGGER IF EXISTS {name}")
            else:
                op.execute(f"DROP TRIGGER IF EXISTS {name} ON {table}")
                op.execute(f"DROP FUNCTION IF EXISTS {name}()")
    if not sqlite:
        op.execute("DROP FUNCTION IF EXISTS metrics_truncate()")
    op.execute("DROP INDEX IF EXISTS ix_automation_pending_since")
    op.execute("DROP TABLE metrics_count")
