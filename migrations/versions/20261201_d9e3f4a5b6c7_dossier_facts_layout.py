"""dossier facts of the tally in the layout of survey.scores.dossier_rules: count them again

The dossier grain's sums change from eleven columns (complaint_or_overdue, dissatisfied_only, …)
to the rules' facts plus the kept-ratings variants. The stored dossier groups are dropped and
every dossier is queued again, so the next fold counts each one afresh in the new layout
(a queued dossier counts as not yet counted, so its change is its whole facts).

Revision ID: d9e3f4a5b6c7
Revises: c8d2e3f4a5b6
Create Date: 2026-12-01 02:00:00
"""
from collections.abc import Sequence

from alembic import op

revision: str = 'd9e3f4a5b6c7'
down_revision: str | None = 'c8d2e3f4a5b6'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

RECOUNT = (
    "DELETE FROM tally WHERE grain = 'dossier'",
    "INSERT INTO tally_pending_dossier (dossier_id) SELECT id FROM dossier "
    "WHERE id NOT IN (SELECT dossier_id FROM tally_pending_dossier)",
)


def upgrade() -> None:
    for statement in RECOUNT:
        op.execute(statement)


def downgrade() -> None:
    # The old layout is counted the same way by the old code.
    for statement in RECOUNT:
        op.execute(statement)
