"""registry: a generated column listing the automations each one declares it triggers

Revision ID: 0003_registry_pending_triggers
Revises: 0002_registry_list_performance
Create Date: 2026-11-28 02:55:00.000000

When an automation is registered, earlier manifests may already name it in
``spec.triggers``. The few rows that declare triggers are found through this
indexed column instead of reading every manifest.
"""

from collections.abc import Sequence

from alembic import op


revision: str = '0003_registry_pending_triggers'
down_revision: str | Sequence[str] | None = '0002_registry_list_performance'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    if op.get_bind().dialect.name == 'sqlite':
        expression, kind = "json_extract(manifest, '$.spec.triggers')", 'VIRTUAL'
    else:
        expression, kind = "(manifest -> 'spec' -> 'triggers')::text", 'STORED'
    op.execute(
        f'ALTER TABLE automation ADD COLUMN declared_triggers TEXT '
        f'GENERATED ALWAYS AS ({expression}) {kind}'
    )
    op.create_index('ix_automation_declared_triggers', 'automation', ['declared_triggers'])


def downgrade() -> None:
    op.drop_index('ix_automation_declared_triggers', table_name='automation')
    op.execute('ALTER TABLE automation DROP COLUMN declared_triggers')
