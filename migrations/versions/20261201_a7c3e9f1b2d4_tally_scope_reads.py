"""pages read the tally groups of their own scope: index tally by grain, unit and month; dossier by update

A page reads only the stored groups of its units and months (survey.scores.tally.cells), and the
data version of cached pages asks for the newest change of a dossier's facts: both by index.

Revision ID: a7c3e9f1b2d4
Revises: e4b7c2d9a1f3
Create Date: 2026-12-01 05:30:00
"""
from collections.abc import Sequence

from alembic import op

revision: str = 'a7c3e9f1b2d4'
down_revision: str | None = 'e4b7c2d9a1f3'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('tally', schema=None) as batch_op:
        batch_op.create_index('ix_tally_grain_unit_id_month', ['grain', 'unit_id', 'month', 'part_id'],
                                unique=False)
    with op.batch_alter_table('dossier', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_dossier_updated_at'), ['updated_at'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('dossier', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_dossier_updated_at'))
    with op.batch_alter_table('tally', schema=None) as batch_op:
        batch_op.drop_index('ix_tally_grain_unit_id_month')
