"""tally grain "unit" (one group per unit, month and flag): mark databases that must derive it

Folds now also keep grain "unit", the sum of each unit's counter groups. A database whose tally
already holds counter groups is marked in tally_unready until `flask tally --derive` builds the
unit rows from them; pages read the counter grain meanwhile.

Revision ID: b8d4f0a2c6e1
Revises: a3d8f1c6e2b7
Create Date: 2026-12-01 06:30:00
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = 'b8d4f0a2c6e1'
down_revision: str | None = 'a3d8f1c6e2b7'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        'tally_unready',
        sa.Column('grain', sa.String(length=8), nullable=False),
        sa.PrimaryKeyConstraint('grain', name=op.f('pk_tally_unready')),
    )
    op.execute("INSERT INTO tally_unready (grain) SELECT 'unit' WHERE EXISTS "
               "(SELECT 1 FROM tally WHERE grain = 'counter')")


def downgrade() -> None:
    op.execute("DELETE FROM tally WHERE grain = 'unit'")
    op.drop_table('tally_unready')
