"""indexes of responses by client address and by kiosk, newest first: the abuse checks' reads

Every web submission reads the newest ratings of its counter and of its client address, and every
kiosk rating those of its device (survey.core.stuffing). Only the counter had an index: the client's
and the device's were found by reading the whole window of every response (a sequential scan, or the
time index filtered), 1.6 ms of the database's time per submission at 3,000 responses in the minute.

On a large `response` table the indexes take a while to build and hold writes meanwhile: run the
upgrade in a quiet hour, or build them first without holding writes, by the names below, with
`CREATE INDEX CONCURRENTLY … WHERE client_hash IS NOT NULL` (and kiosk_id): the upgrade then keeps
them (IF NOT EXISTS).

Revision ID: c7e2a9d4f1b3
Revises: b8d4f0a2c6e1
Create Date: 2026-12-02 12:00:00
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = 'c7e2a9d4f1b3'
down_revision: str | None = 'b8d4f0a2c6e1'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # IF NOT EXISTS: built beforehand (see above), or by an earlier upgrade of a database whose version
    # was set back (the migration tests do that).
    for column in ('client_hash', 'kiosk_id'):
        where = sa.text(f'{column} IS NOT NULL')
        op.create_index(f'ix_response_{column}_submitted_at', 'response', [column, 'submitted_at'],
                        sqlite_where=where, postgresql_where=where, if_not_exists=True)


def downgrade() -> None:
    for column in ('client_hash', 'kiosk_id'):
        op.drop_index(f'ix_response_{column}_submitted_at', table_name='response')
