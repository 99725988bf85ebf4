"""merge the metrics rollup and the evaluation queue migration branches

Revision ID: 0006_merge_heads
Revises: 0005_metrics_rollup, 0005_registry_evaluation_queue
Create Date: 2026-11-28 05:30:00
"""

from collections.abc import Sequence

revision: str = "0006_merge_heads"
down_revision: str | Sequence[str] | None = (
    "0005_metrics_rollup",
    "0005_registry_evaluation_queue",
)
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
