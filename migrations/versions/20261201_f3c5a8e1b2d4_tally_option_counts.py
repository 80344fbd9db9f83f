"""tally groups of multi-choice instruments hold each option's count: count them again

A group's vector of an instrument with a multi-choice item (the kiosk's dissatisfaction reasons)
gains, after the value counts, the count of each ticked option and of responses that ticked any
(survey.scores.tally.Layout). Stored rows carry no layout, so the response groups of those
instrument versions are dropped and their responses queued again: the next fold (`flask tally`,
or a write) counts them afresh in the new layout; until then pages add them from the queue.
Groups of other instruments and the dossier facts keep their layout and are left alone.

Revision ID: f3c5a8e1b2d4
Revises: a7c3e9f1b2d4
Create Date: 2026-12-01 05:40:00
"""
import json
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = 'f3c5a8e1b2d4'
down_revision: str | None = 'a7c3e9f1b2d4'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def multi_choice_versions(connection) -> list[int]:
    """Return the ids of the stored instrument versions that have a multi-choice item."""
    rows = connection.execute(sa.text("SELECT id, definition FROM instrument")).all()
    return [row.id for row in rows
            if any(item.get("kind") == "multi" for item in json.loads(row.definition).get("items", []))]


def recount() -> None:
    connection = op.get_bind()
    for instrument_id in multi_choice_versions(connection):
        connection.execute(sa.text("DELETE FROM tally WHERE grain IN ('counter', 'service') "
                                   "AND instrument_id = :i"), {"i": instrument_id})
        connection.execute(sa.text(
            "INSERT INTO tally_pending (response_id) SELECT id FROM response WHERE instrument_id = :i "
            "AND id NOT IN (SELECT response_id FROM tally_pending)"), {"i": instrument_id})


def upgrade() -> None:
    recount()


def downgrade() -> None:
    # The old layout is counted the same way by the old code.
    recount()
