"""kiosk health and held ratings: what each tablet reports at sync, and ratings awaiting a decision

Revision ID: e1f2a3b4c5d6
Revises: a6c9d4e5f7b8
Create Date: 2026-12-01 02:30:00
"""
from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = 'e1f2a3b4c5d6'
down_revision: str | None = 'a6c9d4e5f7b8'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('kiosk_device', schema=None) as batch_op:
        batch_op.add_column(sa.Column('accepts_from', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True))
        batch_op.add_column(sa.Column('drained_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True))
        batch_op.add_column(sa.Column('queued', sa.Integer(), nullable=False, server_default='0'))
        batch_op.add_column(sa.Column('refused', sa.Integer(), nullable=False, server_default='0'))
        batch_op.add_column(sa.Column('app_version', sa.String(length=40), nullable=True))
        batch_op.add_column(sa.Column('clock_skew_seconds', sa.Integer(), nullable=True))
    # Tablets enrolled before held ratings existed accept what they answered since their enrolment.
    op.execute("UPDATE kiosk_device SET accepts_from = enrolled_at")
    op.create_table(
        'held_rating',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('kiosk_id', sa.Integer(), nullable=False),
        sa.Column('key', sa.String(length=36), nullable=False),
        sa.Column('payload', sa.Text(), nullable=False),
        sa.Column('answered_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column('received_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(['kiosk_id'], ['kiosk_device.id'],
                                name=op.f('fk_held_rating_kiosk_id_kiosk_device')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_held_rating')),
        sa.UniqueConstraint('key', name=op.f('uq_held_rating_key')),
    )
    with op.batch_alter_table('held_rating', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_held_rating_kiosk_id'), ['kiosk_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('held_rating', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_held_rating_kiosk_id'))
    op.drop_table('held_rating')
    with op.batch_alter_table('kiosk_device', schema=None) as batch_op:
        for name in ('clock_skew_seconds', 'app_version', 'refused', 'queued', 'drained_at', 'accepts_from'):
            batch_op.drop_column(name)
