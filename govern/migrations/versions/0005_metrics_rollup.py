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

A change counts as -1 for the old version of a row and +1 for the new. Figures that
depend on other rows (duplicates: the live holders of a fingerprint; automations with an
open violation; the results of an automation retired or revived) compare the count
before and after the row changes. SQLite runs row triggers AFTER each row; PostgreSQL
runs them BEFORE each row (its AFTER row triggers run once the whole statement is done,
when a multi-row statement's per-row "before" can no longer be told) and makes writers
of one fingerprint or one automation's results take turns (locks), so concurrent
transactions do not both count from the same starting point.

Do not write these two tables with ``INSERT ... ON CONFLICT`` on PostgreSQL (a BEFORE
INSERT trigger also runs for a row that the conflict then skips or turns into an update)
or ``INSERT OR REPLACE`` on SQLite (its implicit deletes fire no trigger).
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


def _automation_statements(s: str) -> list[str]:
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
    return [dims, *dup, *results]


def _result_statements(s: str) -> list[str]:
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
    return [violations, with_open]


def _automation_row(r: str, sign: str) -> list[str]:
    """SQLite, one inserted (NEW, +1) or deleted (OLD, -1) automation: the statements
    above written for a single row, which SQLite runs several times faster."""
    live = f"{r}.{LIVE}"
    parts = [f"SELECT 'lifecycle', {r}.lifecycle, '', {sign}"]
    for figure, column in DIMENSIONS.items():
        parts.append(f"SELECT '{figure}', COALESCE({r}.{column}, ''), '', {sign} WHERE {live}")
    parts.append(f"SELECT 'uses_ai', '', '', {sign} WHERE {live} AND {r}.uses_ai")
    parts.append(
        f"SELECT 'pending', {r}.track, '', {sign} WHERE {live} AND {r}.review_state = 'pending'"
    )
    dims = f"{INSERT} " + " UNION ALL ".join(parts)
    counted = (
        "SELECT c.now_n AS now_n, c.now_n - " + sign + " AS was_n FROM (SELECT count(*) AS now_n "
        f"FROM automation a WHERE a.fingerprint = {r}.fingerprint AND a.{LIVE}) c"
    )
    dup = []
    for figure, now, was in (
        ("dup_groups", "1", "1"),
        ("dup_automations", "k.now_n", "k.was_n"),
    ):
        dup.append(
            f"{INSERT} SELECT '{figure}', '', '', t.n FROM (SELECT "
            f"(CASE WHEN k.now_n > 1 THEN {now} ELSE 0 END) "
            f"- (CASE WHEN k.was_n > 1 THEN {was} ELSE 0 END) AS n FROM ({counted}) k) t "
            f"WHERE t.n <> 0 AND {r}.fingerprint IS NOT NULL AND {live}"
        )
    results = [
        f"{INSERT} SELECT 'violation_' || r.state, r.policy_id, r.severity, {sign} * count(*) "
        f"FROM policy_result r WHERE r.automation_id = {r}.id AND {_failing('r')} AND {live} "
        "GROUP BY r.state, r.policy_id, r.severity",
        f"{INSERT} SELECT 'with_open', '', '', {sign} WHERE {live} AND EXISTS (SELECT 1 "
        f"FROM policy_result r WHERE r.automation_id = {r}.id AND {_open('r')})",
    ]
    return [dims, *dup, *results]


def _result_row(r: str, sign: str) -> list[str]:
    """SQLite, one inserted or deleted policy result (see ``_automation_row``)."""
    live = f"EXISTS (SELECT 1 FROM automation a WHERE a.id = {r}.automation_id AND a.{LIVE})"
    violation = (
        f"{INSERT} SELECT 'violation_' || {r}.state, {r}.policy_id, {r}.severity, {sign} "
        f"WHERE {_failing(r)} AND {live}"
    )
    with_open = (
        f"{INSERT} SELECT 'with_open', '', '', t.n FROM (SELECT "
        "(CASE WHEN c.now_n > 0 THEN 1 ELSE 0 END) "
        f"- (CASE WHEN c.now_n - {sign} > 0 THEN 1 ELSE 0 END) AS n "
        "FROM (SELECT count(*) AS now_n FROM policy_result r "
        f"WHERE r.automation_id = {r}.automation_id AND {_open('r')}) c) t "
        f"WHERE t.n <> 0 AND {_open(r)} AND {live}"
    )
    return [violation, with_open]


TABLES = {
    "automation": (AUTOMATION, _automation_statements),
    "policy_result": (RESULT, _result_statements),
}
SINGLE_ROW = {"automation": _automation_row, "policy_result": _result_row}


def _one_statement(statements: list[str]) -> list[str]:
    """The single-row inserts as one ``INSERT ... SELECT ... UNION ALL ...`` (each
    trigger statement has a fixed cost in SQLite)."""
    prefix = f"{INSERT} "
    assert all(statement.startswith(prefix) for statement in statements)
    return [prefix + " UNION ALL ".join(s[len(prefix) :] for s in statements)]


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
        single = SINGLE_ROW[table]
        for event, body, when in (
            ("INSERT", _one_statement(single("NEW", "1")), ""),
            ("DELETE", _one_statement(single("OLD", "-1")), ""),
            (
                f"UPDATE OF {', '.join(columns)}",
                statements(f"({old} UNION ALL {new})"),
                f" WHEN {changed}",
            ),
        ):
            name = f"metrics_{table}_{event.split()[0].lower()}"
            body = ";\n  ".join(body)
            op.execute(
                f"CREATE TRIGGER {name} AFTER {event} ON {table} FOR EACH ROW{when}\n"
                f"BEGIN\n  {body};\nEND"
            )


def _pg_dims(r: str, sign: str, insert: bool = True) -> str:
    live = f"{r}.{LIVE}"
    parts = [f"SELECT 'lifecycle', {r}.lifecycle, '', {sign}"]
    for figure, column in DIMENSIONS.items():
        parts.append(f"SELECT '{figure}', COALESCE({r}.{column}, ''), '', {sign} WHERE {live}")
    parts.append(f"SELECT 'uses_ai', '', '', {sign} WHERE {live} AND {r}.uses_ai")
    parts.append(
        f"SELECT 'pending', {r}.track, '', {sign} WHERE {live} AND {r}.review_state = 'pending'"
    )
    union = " UNION ALL ".join(parts)
    return f"{INSERT} {union}" if insert else union


def _pg_dims_update() -> str:
    """Only the keys an update moved: old row -1, new row +1, summed."""
    both = f"{_pg_dims('OLD', '-1', False)} UNION ALL {_pg_dims('NEW', '1', False)}"
    return (
        f"{INSERT} SELECT d.figure, d.key1, '', sum(d.n) FROM ({both}) d(figure, key1, key2, n) "
        "GROUP BY d.figure, d.key1 HAVING sum(d.n) <> 0"
    )


#: PostgreSQL runs row triggers BEFORE each row changes: unlike AFTER row triggers, which
#: run once the whole statement is done, they see the table as it was just before this
#: row (including the statement's earlier rows), so "count now, count after this row"
#: stays exact for statements that change several rows of one group. Writers of one
#: group take turns: a lock per fingerprint bucket (advisory, at most FINGERPRINT_LOCKS
#: per transaction) and the automation's row lock for its results.
FINGERPRINT_LOCKS = 64
PG_AUTOMATION = f"""
DECLARE
  was_live boolean := TG_OP <> 'INSERT' AND OLD.{LIVE};
  is_live boolean := TG_OP <> 'DELETE' AND NEW.{LIVE};
  fp text;
  change integer;
  was_n bigint;
  now_n bigint;
  sign integer;
BEGIN
  IF TG_OP = 'UPDATE' THEN {_pg_dims_update()};
  ELSIF TG_OP = 'INSERT' THEN {_pg_dims("NEW", "1")};
  ELSE {_pg_dims("OLD", "-1")};
  END IF;
  FOR fp IN SELECT DISTINCT v.f FROM (VALUES
      (CASE WHEN was_live THEN OLD.fingerprint END),
      (CASE WHEN is_live THEN NEW.fingerprint END)) v(f)
    WHERE v.f IS NOT NULL ORDER BY v.f
  LOOP
    change := (CASE WHEN is_live AND NEW.fingerprint = fp THEN 1 ELSE 0 END)
      - (CASE WHEN was_live AND OLD.fingerprint = fp THEN 1 ELSE 0 END);
    CONTINUE WHEN change = 0;
    PERFORM pg_advisory_xact_lock({LOCK_SPACE}, abs(hashtext(fp)) % {FINGERPRINT_LOCKS});
    SELECT count(*) INTO was_n FROM automation a WHERE a.fingerprint = fp AND a.{LIVE};
    now_n := was_n + change;
    {INSERT} SELECT t.figure, '', '', t.n FROM (VALUES
        ('dup_groups', (CASE WHEN now_n > 1 THEN 1 ELSE 0 END)
                       - (CASE WHEN was_n > 1 THEN 1 ELSE 0 END)),
        ('dup_automations', (CASE WHEN now_n > 1 THEN now_n ELSE 0 END)
                            - (CASE WHEN was_n > 1 THEN was_n ELSE 0 END))) t(figure, n)
      WHERE t.n <> 0;
  END LOOP;
  -- Only an update can retire or revive an automation that has results: a new id has
  -- none, and the foreign key forbids deleting an automation that still has some.
  IF TG_OP = 'UPDATE' AND was_live <> is_live THEN
    sign := CASE WHEN is_live THEN 1 ELSE -1 END;
    {INSERT} SELECT 'violation_' || r.state, r.policy_id, r.severity, sign * count(*)
      FROM policy_result r WHERE r.automation_id = COALESCE(NEW.id, OLD.id)
      AND {_failing("r")} GROUP BY r.state, r.policy_id, r.severity;
    {INSERT} SELECT 'with_open', '', '', sign WHERE EXISTS (SELECT 1 FROM policy_result r
      WHERE r.automation_id = COALESCE(NEW.id, OLD.id) AND {_open("r")});
  END IF;
  IF TG_OP = 'DELETE' THEN RETURN OLD; END IF;
  RETURN NEW;
END"""
PG_RESULT = f"""
DECLARE
  was_failing boolean := TG_OP <> 'INSERT' AND {_failing("OLD")};
  is_failing boolean := TG_OP <> 'DELETE' AND {_failing("NEW")};
  was_open boolean := TG_OP <> 'INSERT' AND {_open("OLD")};
  is_open boolean := TG_OP <> 'DELETE' AND {_open("NEW")};
  aid bigint;
  change integer;
  was_n bigint;
BEGIN
  IF NOT (was_failing OR is_failing) THEN
    IF TG_OP = 'DELETE' THEN RETURN OLD; END IF;
    RETURN NEW;
  END IF;
  PERFORM 1 FROM automation a WHERE a.id IN (OLD.automation_id, NEW.automation_id)
    ORDER BY a.id FOR NO KEY UPDATE;
  IF was_failing THEN
    {INSERT} SELECT 'violation_' || OLD.state, OLD.policy_id, OLD.severity, -1
      WHERE EXISTS (SELECT 1 FROM automation a WHERE a.id = OLD.automation_id AND a.{LIVE});
  END IF;
  IF is_failing THEN
    {INSERT} SELECT 'violation_' || NEW.state, NEW.policy_id, NEW.severity, 1
      WHERE EXISTS (SELECT 1 FROM automation a WHERE a.id = NEW.automation_id AND a.{LIVE});
  END IF;
  FOR aid IN SELECT DISTINCT v.a FROM (VALUES
      (CASE WHEN was_open THEN OLD.automation_id END),
      (CASE WHEN is_open THEN NEW.automation_id END)) v(a)
    WHERE v.a IS NOT NULL
  LOOP
    change := (CASE WHEN is_open AND NEW.automation_id = aid THEN 1 ELSE 0 END)
      - (CASE WHEN was_open AND OLD.automation_id = aid THEN 1 ELSE 0 END);
    CONTINUE WHEN change = 0;
    CONTINUE WHEN NOT EXISTS (SELECT 1 FROM automation a WHERE a.id = aid AND a.{LIVE});
    SELECT count(*) INTO was_n FROM policy_result r WHERE r.automation_id = aid
      AND {_open("r")};
    {INSERT} SELECT 'with_open', '', '', t.n FROM (SELECT
        (CASE WHEN was_n + change > 0 THEN 1 ELSE 0 END)
        - (CASE WHEN was_n > 0 THEN 1 ELSE 0 END) AS n) t WHERE t.n <> 0;
  END LOOP;
  IF TG_OP = 'DELETE' THEN RETURN OLD; END IF;
  RETURN NEW;
END"""
PG_FUNCTIONS = {"automation": PG_AUTOMATION, "policy_result": PG_RESULT}


def _create_postgresql() -> None:
    for table, (columns, _) in TABLES.items():
        name = f"metrics_{table}"
        body = PG_FUNCTIONS[table]
        op.execute(f"CREATE FUNCTION {name}() RETURNS trigger LANGUAGE plpgsql AS $${body}$$")
        changed = " OR ".join(f"OLD.{c} IS DISTINCT FROM NEW.{c}" for c in columns)
        op.execute(
            f"CREATE TRIGGER {name}_write BEFORE INSERT OR DELETE ON {table} "
            f"FOR EACH ROW EXECUTE FUNCTION {name}()"
        )
        op.execute(
            f"CREATE TRIGGER {name}_update BEFORE UPDATE ON {table} FOR EACH ROW "
            f"WHEN ({changed}) EXECUTE FUNCTION {name}()"
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
        if sqlite:
            for event in ("insert", "delete", "update"):
                op.execute(f"DROP TRIGGER IF EXISTS metrics_{table}_{event}")
            continue
        for trigger in ("write", "update", "truncate"):
            op.execute(f"DROP TRIGGER IF EXISTS metrics_{table}_{trigger} ON {table}")
        op.execute(f"DROP FUNCTION IF EXISTS metrics_{table}()")
    if not sqlite:
        op.execute("DROP FUNCTION IF EXISTS metrics_truncate()")
    op.execute("DROP INDEX IF EXISTS ix_automation_pending_since")
    op.execute("DROP TABLE metrics_count")
