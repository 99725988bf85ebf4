"""registry: composite indexes for list sorts, a generated search column

Revision ID: 0002_registry_list_performance
Revises: 0001_initial
Create Date: 2026-11-28 02:35:00.000000

Lists sort by (column, key) and stop after one page, so each sort gets a composite
index it can walk (single-column indexes they replace are dropped). Free-text search
reads one generated, lower-cased column through its own index (an index scan instead
of a scan of the wide automation rows). The column is computed by the database
(VIRTUAL on SQLite, STORED on PostgreSQL), so no writer has to maintain it.
"""

from collections.abc import Sequence

from alembic import op


revision: str = '0002_registry_list_performance'
down_revision: str | Sequence[str] | None = '0001_initial'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

SEARCH_EXPRESSION = (
    "lower(key || ' ' || title || ' ' || coalesce(owner_email, '') || ' ' || "
    "coalesce(location, '') || ' ' || substr(description, 1, 300))"
)
REPLACED = {
    'ix_automation_risk_score': ('ix_automation_risk_key', ['risk_score', 'key']),
    'ix_automation_created_at': ('ix_automation_created_key', ['created_at', 'key']),
    'ix_automation_platform': ('ix_automation_platform_key', ['platform', 'key']),
    'ix_automation_owner_email': ('ix_automation_owner_key', ['owner_email', 'key']),
}


def upgrade() -> None:
    for old, (new, columns) in REPLACED.items():
        op.drop_index(old, table_name='automation')
        op.create_index(new, 'automation', columns)
    op.create_index('ix_automation_updated_key', 'automation', ['updated_at', 'key'])
    kind = 'VIRTUAL' if op.get_bind().dialect.name == 'sqlite' else 'STORED'
    op.execute(
        f'ALTER TABLE automation ADD COLUMN search_text TEXT '
        f'GENERATED ALWAYS AS ({SEARCH_EXPRESSION}) {kind}'
    )
    op.create_index('ix_automation_search_text', 'automation', ['search_text'])


def downgrade() -> None:
    op.drop_index('ix_automation_search_text', table_name='automation')
    op.execute('ALTER TABLE automation DROP COLUMN search_text')
    op.drop_index('ix_automation_updated_key', table_name='automation')
    for old, (new, columns) in REPLACED.items():
        op.drop_index(new, table_name='automation')
        op.create_index(old, 'automation', columns[:1])
