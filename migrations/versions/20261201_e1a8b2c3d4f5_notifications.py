"""notifications: users' e-mail and digest choice, alert rules per scope, the record of notices sent

Revision ID: e1a8b2c3d4f5
Revises: d9e3f4a5b6c7
Create Date: 2026-12-01 02:30:00
"""
from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = 'e1a8b2c3d4f5'
down_revision: str | None = 'd9e3f4a5b6c7'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('app_user', schema=None) as batch_op:
        batch_op.add_column(sa.Column('email', sqlmodel.sql.sqltypes.AutoString(length=254), nullable=True))
        batch_op.add_column(sa.Column('digest', sa.String(length=8), nullable=False, server_default='none'))
        batch_op.add_column(sa.Column('alerts', sa.Boolean(), nullable=False, server_default=sa.true()))
        batch_op.create_check_constraint('digest', "digest IN ('none', 'daily', 'weekly')")
    op.create_table(
        'alert_rule',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('unit_id', sa.Integer(), nullable=False),
        sa.Column('verdict', sa.Boolean(), nullable=False),
        sa.Column('spike_count', sa.Integer(), nullable=False),
        sa.Column('kiosk_silent_hours', sa.Integer(), nullable=False),
        sa.Column('words', sa.Text(), nullable=False, server_default=''),
        sa.Column('updated_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(['unit_id'], ['unit.id'], name=op.f('fk_alert_rule_unit_id_unit')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_alert_rule')),
        sa.UniqueConstraint('unit_id', name=op.f('uq_alert_rule_unit_id')),
    )
    op.create_table(
        'notice',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('key', sa.String(length=200), nullable=False),
        sa.Column('kind', sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
        sa.Column('unit_id', sa.Integer(), nullable=True),
        sa.Column('subject', sqlmodel.sql.sqltypes.AutoString(length=300), nullable=False),
        sa.Column('recipients', sa.Integer(), nullable=False),
        sa.Column('sent_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(['unit_id'], ['unit.id'], name=op.f('fk_notice_unit_id_unit')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_notice')),
        sa.UniqueConstraint('key', name=op.f('uq_notice_key')),
    )
    op.create_index(op.f('ix_notice_sent_at'), 'notice', ['sent_at'], unique=False)


def downgrade() -> None:
    op.drop_index(op.f('ix_notice_sent_at'), table_name='notice')
    op.drop_table('notice')
    op.drop_table('alert_rule')
    with op.batch_alter_table('app_user', schema=None) as batch_op:
        batch_op.drop_constraint('digest', type_='check')
        batch_op.drop_column('alerts')
        batch_op.drop_column('digest')
        batch_op.drop_column('email')
