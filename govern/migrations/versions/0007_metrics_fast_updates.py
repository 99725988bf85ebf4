"""metrics: a fast SQLite trigger for automation updates that move only dimensions

Revision ID: 0007_metrics_fast_updates
Revises: 0006_merge_heads
Create Date: 2026-11-28 11:00:00

The SQLite update trigger of 0005 runs every rollup statement for any change of a
counted column, including the duplicate counts and the joins over ``policy_result``
that only a change of liveness (lifecycle) or fingerprint can move. With 200,000
results a plain risk-tier or review-state update cost ~2 ms per automation (a full
policy pass re-scoring 100,000 automations spent most of its time there). An update
that keeps the row's lifecycle and fingerprint now fires a trigger that only moves
the dimension counts of that row (old row -1, new row +1); the full trigger keeps
the other updates. The result insert and delete triggers gain a WHEN clause, so the
passing and not-applicable results (nine in ten) no longer run a trigger at all.
PostgreSQL's trigger functions already skip that work.
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0007_metrics_fast_updates"
down_revision: str | Sequence[str] | None = "0006_merge_heads"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

INSERT = "INSERT INTO metrics_count (figure, key1, key2, n)"
#: As in 0005: figure -> automation column, and every column the figures read.
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
COUNTED = ["id", "lifecycle", *DIMENSIONS.values(), "uses_ai", "fingerprint"]
CHANGED = " OR ".join(f"OLD.{c} IS NOT NEW.{c}" for c in COUNTED)
SAME_SHAPE = (
    "OLD.id IS NEW.id AND OLD.lifecycle IS NEW.lifecycle AND OLD.fingerprint IS NEW.fingerprint"
)


def _moved_dimensions() -> list[str]:
    """For a live row: -1 for the old key and +1 for the new one of each dimension that
    changed. A branch per dimension with a cheap WHERE (no grouping): most updates move
    one dimension, and SQLite skips the other branches at once."""
    parts = []
    for figure, column in DIMENSIONS.items():
        moved = f"OLD.{column} IS NOT NEW.{column}"
        parts.append(f"SELECT '{figure}', COALESCE(OLD.{column}, ''), '', -1 WHERE {moved}")
        parts.append(f"SELECT '{figure}', COALESCE(NEW.{column}, ''), '', 1 WHERE {moved}")
    parts.append(
        "SELECT 'uses_ai', '', '', NEW.uses_ai - OLD.uses_ai WHERE OLD.uses_ai IS NOT NEW.uses_ai"
    )
    moved = "(OLD.track IS NOT NEW.track OR OLD.review_state IS NOT NEW.review_state)"
    parts.append(f"SELECT 'pending', OLD.track, '', -1 WHERE OLD.review_state = 'pending' AND {moved}")
    parts.append(f"SELECT 'pending', NEW.track, '', 1 WHERE NEW.review_state = 'pending' AND {moved}")
    return parts


FAST_BODY = f"{INSERT} " + " UNION ALL ".join(_moved_dimensions())


HEAD = (
    f"CREATE TRIGGER metrics_automation_update AFTER UPDATE OF {', '.join(COUNTED)} "
    "ON automation FOR EACH ROW WHEN "
)


#: Result triggers: only failing results (open or waived) move a figure.
FAILING = {
    "metrics_policy_result_insert": "NEW.status = 'fail' AND NEW.state IN ('open', 'waived')",
    "metrics_policy_result_delete": "OLD.status = 'fail' AND OLD.state IN ('open', 'waived')",
}


def _trigger_sql(name: str) -> tuple[str, str]:
    """(head, body) of a trigger as 0005 wrote it, split at its BEGIN."""
    from sqlalchemy import text

    sql = (
        op.get_bind()
        .execute(
            text("SELECT sql FROM sqlite_master WHERE type = 'trigger' AND name = :n"),
            {"n": name},
        )
        .scalar_one()
    )
    head, body = sql.split("\nBEGIN\n", 1)
    return head, body


def _full_body() -> str:
    """The statements of 0005's update trigger (kept as they are)."""
    return _trigger_sql("metrics_automation_update")[1]


def _set_when(name: str, when: str | None) -> None:
    head, body = _trigger_sql(name)
    head = head.split(" FOR EACH ROW", 1)[0] + " FOR EACH ROW"
    op.execute(f"DROP TRIGGER {name}")
    op.execute(f"{head}{f' WHEN {when}' if when else ''}\nBEGIN\n{body}")


def upgrade() -> None:
    if op.get_bind().dialect.name != "sqlite":
        return
    body = _full_body()
    op.execute("DROP TRIGGER metrics_automation_update")
    # the full trigger, now only for updates that change liveness or the fingerprint
    op.execute(f"{HEAD}({CHANGED}) AND NOT ({SAME_SHAPE})\nBEGIN\n{body}")
    op.execute(
        f"CREATE TRIGGER metrics_automation_update_dims AFTER UPDATE OF {', '.join(COUNTED)} "
        f"ON automation FOR EACH ROW WHEN ({CHANGED}) AND {SAME_SHAPE} "
        f"AND NEW.lifecycle <> 'retired'\nBEGIN\n  {FAST_BODY};\nEND"
    )
    for name, when in FAILING.items():
        _set_when(name, when)


def downgrade() -> None:
    if op.get_bind().dialect.name != "sqlite":
        return
    body = _full_body()
    op.execute("DROP TRIGGER metrics_automation_update_dims")
    op.execute("DROP TRIGGER metrics_automation_update")
    op.execute(f"{HEAD}{CHANGED}\nBEGIN\n{body}")
    for name in FAILING:
        _set_when(name, None)
