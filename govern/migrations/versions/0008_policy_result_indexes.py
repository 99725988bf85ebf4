"""policies: index results by recency; drop indexes that only slowed writes

Revision ID: 0008_policy_result_indexes
Revises: 0007_metrics_fast_updates
Create Date: 2026-11-28 11:30:00

Violation lists are ordered newest first (last_seen, id). Without an index on that
order every page sorted all matching results: 1.3 s per page at 200,000 results.
``ix_policy_result_recent`` lets a page stop after its rows. The single-column
indexes on status and severity (a handful of values each; every stored result of a
pass is a failure) and on policy_id (the leading column of the unique key) served no
query better than the table or the unique key did, and each cost every insert of a
full evaluation pass. One narrow index (policy, state, status) serves the per-policy
counts of the policies lists.
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0008_policy_result_indexes"
down_revision: str | Sequence[str] | None = "0007_metrics_fast_updates"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

DROPPED = {
    "ix_policy_result_policy_id": "policy_id",
    "ix_policy_result_status": "status",
    "ix_policy_result_severity": "severity",
    "ix_policy_result_state": "state",
}


#: Counts per policy and state (the policies list, API and UI) read this narrow index
#: instead of the wide result rows.
COUNTS = ("ix_policy_result_counts", ["policy_id", "state", "status"])


def upgrade() -> None:
    for name in DROPPED:
        op.drop_index(name, table_name="policy_result")
    op.create_index("ix_policy_result_recent", "policy_result", ["last_seen", "id"])
    op.create_index(COUNTS[0], "policy_result", COUNTS[1])


def downgrade() -> None:
    op.drop_index(COUNTS[0], table_name="policy_result")
    op.drop_index("ix_policy_result_recent", table_name="policy_result")
    for name, column in DROPPED.items():
        op.create_index(name, "policy_result", [column])
