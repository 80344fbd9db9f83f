"""paper_entry: printed paper forms typed in by staff, once per counter and serial

Revision ID: f5b8c3d2e4a6
Revises: e4a7b2c9d1f3
Create Date: 2026-12-01 03:00:00
"""
from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = 'f5b8c3d2e4a6'
down_revision: str | None = 'e4a7b2c9d1f3'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('paper_entry',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('counter_id', sa.Integer(), nullable=False),
    sa.Column('instrument_id', sa.Integer(), nullable=False),
    sa.Column('serial', sa.Integer(), nullable=False),
    sa.Column('first_values', sa.Text(), nullable=False),
    sa.Column('first_user_id', sa.Integer(), nullable=False),
    sa.Column('first_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.Column('second_user_id', sa.Integer(), nullable=True),
    sa.Column('second_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
    sa.Column('response_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.ForeignKeyConstraint(['counter_id'], ['counter.id'], name=op.f('fk_paper_entry_counter_id_counter')),
    sa.ForeignKeyConstraint(['first_user_id'], ['app_user.id'],
                            name=op.f('fk_paper_entry_first_user_id_app_user')),
    sa.ForeignKeyConstraint(['instrument_id'], ['instrument.id'],
                            name=op.f('fk_paper_entry_instrument_id_instrument')),
    sa.ForeignKeyConstraint(['response_id'], ['response.id'], name=op.f('fk_paper_entry_response_id_response'),
                            ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['second_user_id'], ['app_user.id'],
                            name=op.f('fk_paper_entry_second_user_id_app_user')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_paper_entry')),
    sa.UniqueConstraint('counter_id', 'serial', name=op.f('uq_paper_entry_counter_id_serial'))
    )


def downgrade() -> None:
    op.drop_table('paper_entry')
