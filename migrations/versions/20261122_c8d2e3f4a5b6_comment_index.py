"""index of commented responses by time: the newest comments of a province without a sort

Revision ID: c8d2e3f4a5b6
Revises: b7c1d2e3f4a5
Create Date: 2026-11-22 11:00:00
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = 'c8d2e3f4a5b6'
down_revision: str | None = 'b7c1d2e3f4a5'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('response', schema=None) as batch_op:
        batch_op.create_index('ix_response_commented', ['submitted_at', 'unit_id'], unique=False,
                              sqlite_where=sa.text('comment IS NOT NULL'),
                              postgresql_where=sa.text('comment IS NOT NULL'))


def downgrade() -> None:
    with op.batch_alter_table('response', schema=None) as batch_op:
        batch_op.drop_index('ix_response_commented')
