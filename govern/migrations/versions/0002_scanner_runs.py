"""scanner: run counters, pushed batches, decisions

Revision ID: 0002_scanner_runs
Revises: 0001_initial
Create Date: 2026-11-28 02:15:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op


revision: str = '0002_scanner_runs'
down_revision: str | Sequence[str] | None = '0001_initial'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('scan_run', schema=None) as batch_op:
        batch_op.add_column(sa.Column('secrets', sa.Integer(), nullable=False, server_default='0'))
        batch_op.add_column(sa.Column('shadow', sa.Integer(), nullable=False, server_default='0'))
        batch_op.add_column(sa.Column('new_discoveries', sa.Integer(), nullable=False, server_default='0'))
        batch_op.add_column(sa.Column('gone', sa.Integer(), nullable=False, server_default='0'))
        batch_op.add_column(sa.Column('batches', sa.JSON(), nullable=False, server_default='[]'))
        batch_op.add_column(sa.Column('stats', sa.JSON(), nullable=False, server_default='{}'))
    with op.batch_alter_table('discovery', schema=None) as batch_op:
        batch_op.add_column(sa.Column('decided_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True))
        batch_op.add_column(sa.Column('copies', sa.Integer(), nullable=False, server_default='1'))


def downgrade() -> None:
    with op.batch_alter_table('discovery', schema=None) as batch_op:
        batch_op.drop_column('copies')
        batch_op.drop_column('decided_at')
    with op.batch_alter_table('scan_run', schema=None) as batch_op:
        for name in ('stats', 'batches', 'gone', 'new_discoveries', 'shadow', 'secrets'):
            batch_op.drop_column(name)
