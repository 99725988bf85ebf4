"""merge the registry and scanner migration branches

Revision ID: 0004_merge_heads
Revises: 0003_registry_pending_triggers, 0002_scanner_runs
Create Date: 2026-11-28 03:40:00
"""

from collections.abc import Sequence

revision: str = "0004_merge_heads"
down_revision: str | Sequence[str] | None = ("0003_registry_pending_triggers", "0002_scanner_runs")
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
