"""dossier facts pushed by the one-stop system: outcome, late reason, online, and re-queueing on change

New dossier columns (complaint_outcome, late_reason, online, updated_at). The dossier queue of the
tally learns changed dossiers: a trigger on UPDATE queues a dossier whose counted facts change,
with the facts the tally holds (counted, old_…), and raises the queued row's revision.

Revision ID: e4a7b2c9d1f3
Revises: e1a2b3c4d5e6
Create Date: 2026-12-01 02:30:00
"""
from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

from survey.models import REQUEUE_TRIGGER, requeue_trigger_ddl

revision: str = 'e4a7b2c9d1f3'
down_revision: str | None = 'e1a2b3c4d5e6'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('dossier', schema=None) as batch_op:
        batch_op.add_column(sa.Column('complaint_outcome', sqlmodel.sql.sqltypes.AutoString(length=16),
                                      nullable=True))
        batch_op.add_column(sa.Column('late_reason', sqlmodel.sql.sqltypes.AutoString(length=500),
                                      nullable=True))
        batch_op.add_column(sa.Column('online', sa.Boolean(), nullable=True))
        batch_op.add_column(sa.Column('updated_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True))
        batch_op.create_check_constraint(
            'complaint_outcome', "complaint_outcome IN ('pending', 'upheld', 'dismissed')")
    with op.batch_alter_table('tally_pending_dossier', schema=None) as batch_op:
        batch_op.add_column(sa.Column('counted', sa.Boolean(), server_default=sa.false(), nullable=False))
        batch_op.add_column(sa.Column('revision', sa.Integer(), server_default=sa.text('0'), nullable=False))
        batch_op.add_column(sa.Column('old_unit_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('old_service_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('old_received_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True))
        batch_op.add_column(sa.Column('old_due_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True))
        batch_op.add_column(sa.Column('old_returned_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True))
        batch_op.add_column(sa.Column('old_complaint', sa.Boolean(), nullable=True))
    for statement in requeue_trigger_ddl(op.get_bind().dialect.name):
        op.execute(statement)


def downgrade() -> None:
    if op.get_bind().dialect.name == 'postgresql':
        op.execute(f"DROP TRIGGER IF EXISTS {REQUEUE_TRIGGER} ON dossier")
        op.execute(f"DROP FUNCTION IF EXISTS {REQUEUE_TRIGGER}()")
    else:
        op.execute(f"DROP TRIGGER IF EXISTS {REQUEUE_TRIGGER}")
    # A dossier queued as changed would be counted twice by the old code: count every dossier again.
    op.execute("DELETE FROM tally WHERE grain = 'dossier'")
    op.execute("DELETE FROM tally_pending_dossier")
    op.execute("INSERT INTO tally_pending_dossier (dossier_id) SELECT id FROM dossier")
    with op.batch_alter_table('tally_pending_dossier', schema=None) as batch_op:
        for column in ('old_complaint', 'old_returned_at', 'old_due_at', 'old_received_at', 'old_service_id',
                       'old_unit_id', 'revision', 'counted'):
            batch_op.drop_column(column)
    with op.batch_alter_table('dossier', schema=None) as batch_op:
        batch_op.drop_constraint('complaint_outcome', type_='check')
        for column in ('updated_at', 'online', 'late_reason', 'complaint_outcome'):
            batch_op.drop_column(column)
