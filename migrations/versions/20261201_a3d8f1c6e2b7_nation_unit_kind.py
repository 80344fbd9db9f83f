"""national root: the "nation" unit kind (the ministry level, above the 34 provinces)

A national deployment has one root above the provinces; a province's own deployment keeps the
province as its root.

Revision ID: a3d8f1c6e2b7
Revises: f3c5a8e1b2d4
Create Date: 2026-12-01 05:30:00
"""
from collections.abc import Sequence

from alembic import op

revision: str = 'a3d8f1c6e2b7'
down_revision: str | None = 'f3c5a8e1b2d4'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

KINDS = "kind IN ('nation', 'province', 'centre', 'branch', 'department', 'commune', 'ward', 'district')"
OLD_KINDS = "kind IN ('province', 'centre', 'branch', 'department', 'commune', 'ward', 'district')"


def upgrade() -> None:
    with op.batch_alter_table('unit', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_unit_kind'), type_='check')
        batch_op.create_check_constraint(op.f('ck_unit_kind'), KINDS)


def downgrade() -> None:
    # A national root cannot be kept under the old constraint: it reads as a province.
    op.execute("UPDATE unit SET kind = 'province' WHERE kind = 'nation'")
    with op.batch_alter_table('unit', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_unit_kind'), type_='check')
        batch_op.create_check_constraint(op.f('ck_unit_kind'), OLD_KINDS)
