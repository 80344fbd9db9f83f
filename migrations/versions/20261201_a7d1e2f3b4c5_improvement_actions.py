"""improvement actions: what a manager does about a unit's weak item, by whom and by when

Revision ID: a7d1e2f3b4c5
Revises: f2b9c3d4e5a6
Create Date: 2026-12-01 02:50:00
"""
from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = 'a7d1e2f3b4c5'
down_revision: str | None = 'f2b9c3d4e5a6'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        'improvement_action',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('unit_id', sa.Integer(), nullable=False),
        sa.Column('item_code', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column('what', sa.Text(), nullable=False),
        sa.Column('who', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.Column('due_on', sa.Date(), nullable=False),
        sa.Column('created_by', sa.Integer(), nullable=True),
        sa.Column('created_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(['created_by'], ['app_user.id'],
                                name=op.f('fk_improvement_action_created_by_app_user')),
        sa.ForeignKeyConstraint(['unit_id'], ['unit.id'], name=op.f('fk_improvement_action_unit_id_unit')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_improvement_action')),
    )
    op.create_index(op.f('ix_improvement_action_unit_id'), 'improvement_action', ['unit_id'], unique=False)


def downgrade() -> None:
    op.drop_index(op.f('ix_improvement_action_unit_id'), table_name='improvement_action')
    op.drop_table('improvement_action')
