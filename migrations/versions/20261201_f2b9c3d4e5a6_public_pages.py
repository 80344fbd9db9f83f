"""public results pages: a scope's page is shown only once an administrator enables it

Revision ID: f2b9c3d4e5a6
Revises: e1a8b2c3d4f5
Create Date: 2026-12-01 02:40:00
"""
from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = 'f2b9c3d4e5a6'
down_revision: str | None = 'e1a8b2c3d4f5'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        'public_page',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('unit_id', sa.Integer(), nullable=False),
        sa.Column('enabled', sa.Boolean(), nullable=False),
        sa.Column('changed_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(['unit_id'], ['unit.id'], name=op.f('fk_public_page_unit_id_unit')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_public_page')),
        sa.UniqueConstraint('unit_id', name=op.f('uq_public_page_unit_id')),
    )


def downgrade() -> None:
    op.drop_table('public_page')
