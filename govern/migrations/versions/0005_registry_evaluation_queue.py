"""registry: a durable queue of automations whose policy evaluation was deferred

Revision ID: 0005_registry_evaluation_queue
Revises: 0004_merge_heads
Create Date: 2026-11-28 04:40:00.000000

A registration batch larger than GOVERN_INLINE_EVALUATION_LIMIT writes the keys it
changed here in its own transaction (nothing is lost on a crash); the scheduler,
``govern policy evaluate --pending`` and ``govern register --wait`` drain it.
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op


revision: str = "0005_registry_evaluation_queue"
down_revision: str | Sequence[str] | None = "0004_merge_heads"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "evaluation_queue",
        sa.Column("key", sa.String(length=1000), nullable=False),
        sa.Column("queued_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("reason", sa.String(length=20), nullable=False),
        sa.PrimaryKeyConstraint("key"),
    )
    op.create_index("ix_evaluation_queue_queued_at", "evaluation_queue", ["queued_at"])


def downgrade() -> None:
    op.drop_index("ix_evaluation_queue_queued_at", table_name="evaluation_queue")
    op.drop_table("evaluation_queue")
