"""two-tier local government: branch and ward unit kinds; short counter codes for posters

Since 1 July 2025 units are a province's service centre and its branches, departments, communes
and wards; "district" stays allowed for units stored before. Every counter gets a random short
code (/c/AB12CD) for people who cannot scan the poster's QR code.

Revision ID: e4b7c2d9a1f3
Revises: e1f2a3b4c5d6
Create Date: 2026-12-01 02:30:00
"""
import secrets
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = 'e4b7c2d9a1f3'
down_revision: str | None = 'e1f2a3b4c5d6'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

KINDS = "kind IN ('province', 'centre', 'branch', 'department', 'commune', 'ward', 'district')"
OLD_KINDS = "kind IN ('province', 'centre', 'department', 'district', 'commune')"
#: As survey.models.org: no look-alike characters.
ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"


def upgrade() -> None:
    with op.batch_alter_table('unit', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_unit_kind'), type_='check')
        batch_op.create_check_constraint(op.f('ck_unit_kind'), KINDS)
    with op.batch_alter_table('counter', schema=None) as batch_op:
        batch_op.add_column(sa.Column('short_code', sa.String(length=8), nullable=True))
    connection = op.get_bind()
    counter = sa.table('counter', sa.column('id', sa.Integer), sa.column('short_code', sa.String))
    ids = connection.execute(sa.select(counter.c.id)).scalars().all()
    codes: set[str] = set()
    while len(codes) < len(ids):
        codes.add("".join(secrets.choice(ALPHABET) for _ in range(6)))
    for counter_id, code in zip(ids, sorted(codes), strict=True):
        connection.execute(counter.update().where(counter.c.id == counter_id).values(short_code=code))
    with op.batch_alter_table('counter', schema=None) as batch_op:
        batch_op.alter_column('short_code', existing_type=sa.String(length=8), nullable=False)
        batch_op.create_unique_constraint(op.f('uq_counter_short_code'), ['short_code'])


def downgrade() -> None:
    with op.batch_alter_table('counter', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('uq_counter_short_code'), type_='unique')
        batch_op.drop_column('short_code')
    # Units of the new kinds cannot be kept under the old constraint.
    op.execute("UPDATE unit SET kind = 'centre' WHERE kind = 'branch'")
    op.execute("UPDATE unit SET kind = 'commune' WHERE kind = 'ward'")
    with op.batch_alter_table('unit', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_unit_kind'), type_='check')
        batch_op.create_check_constraint(op.f('ck_unit_kind'), OLD_KINDS)
