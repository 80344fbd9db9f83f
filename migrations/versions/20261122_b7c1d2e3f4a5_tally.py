"""tally: additive sums per group, and the queues of responses and dossiers not added yet

Revision ID: b7c1d2e3f4a5
Revises: 6e734afab9f1
Create Date: 2026-11-22 10:00:00
"""
from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

from survey.models import TALLY_QUEUES, tally_trigger, tally_trigger_ddl

revision: str = 'b7c1d2e3f4a5'
down_revision: str | None = '6e734afab9f1'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('tally',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('grain', sqlmodel.sql.sqltypes.AutoString(length=8), nullable=False),
    sa.Column('instrument_id', sa.Integer(), nullable=False),
    sa.Column('unit_id', sa.Integer(), nullable=False),
    sa.Column('part_id', sa.Integer(), nullable=False),
    sa.Column('month', sqlmodel.sql.sqltypes.AutoString(length=7), nullable=False),
    sa.Column('channel', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
    sa.Column('suspicious', sa.Boolean(), nullable=False),
    sa.Column('sums', sa.LargeBinary(), nullable=False),
    sa.Column('generation', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['unit_id'], ['unit.id'], name=op.f('fk_tally_unit_id_unit')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_tally')),
    sa.UniqueConstraint('grain', 'instrument_id', 'unit_id', 'part_id', 'month', 'channel', 'suspicious',
                        name=op.f('uq_tally_grain_instrument_id_unit_id_part_id_month_channel_suspicious'))
    )
    with op.batch_alter_table('tally', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_tally_generation'), ['generation'], unique=False)

    op.create_table('tally_pending',
    sa.Column('response_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.PrimaryKeyConstraint('response_id', name=op.f('pk_tally_pending'))
    )
    op.create_table('tally_pending_dossier',
    sa.Column('dossier_id', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('dossier_id', name=op.f('pk_tally_pending_dossier'))
    )
    for table in TALLY_QUEUES:
        for statement in tally_trigger_ddl(table, op.get_bind().dialect.name):
            op.execute(statement)
    # What was stored before the tally existed waits to be added (by the first read or `flask tally`).
    op.execute("INSERT INTO tally_pending (response_id) SELECT id FROM response")
    op.execute("INSERT INTO tally_pending_dossier (dossier_id) SELECT id FROM dossier")


def downgrade() -> None:
    for table in TALLY_QUEUES:
        if op.get_bind().dialect.name == 'postgresql':
            op.execute(f"DROP TRIGGER IF EXISTS {tally_trigger(table)} ON {table}")
            op.execute(f"DROP FUNCTION IF EXISTS {tally_trigger(table)}()")
        else:
            op.execute(f"DROP TRIGGER IF EXISTS {tally_trigger(table)}")
    op.drop_table('tally_pending_dossier')
    op.drop_table('tally_pending')
    with op.batch_alter_table('tally', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_tally_generation'))

    op.drop_table('tally')
