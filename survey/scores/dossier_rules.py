"""The facts of one dossier for QĐ 766 and TT 01 indicator 2, defined once for SQL and for numpy.

QĐ 766/QĐ-TTg: a dossier is *bad* when a per-dossier rating found it dissatisfied, when it drew a
complaint, or when it was returned after its due time; each dossier counts once, whatever the
number of reasons. TT 01/2018 indicator 2 compares the local calendar days of return and due date:
an earlier day earns 2 points, the same day 1, a later day 0 (docs/method.md).

`facts` states these rules over a `Columns` of one kind: SQL expressions (survey.scores.live
counts them with one GROUP BY) or aligned numpy arrays (survey.scores.tally.dossiers sums them
per group). Both read only `&`, `|`, `<`, `>` and `==`, which SQLAlchemy and numpy share, so the
two counts agree by construction; the tally tests check that they do. `ratings` says, for both,
which stored rating versions find a dossier dissatisfied.
"""

from dataclasses import dataclass, replace
from typing import Any

from sqlalchemy import Connection, select
from sqlmodel import col

from survey import instruments
from survey.instruments.catalogue import definition
from survey.models import Instrument

#: The per-dossier rating item whose dissatisfied answer makes a dossier bad.
RATING = (instruments.DOSSIER, "RATING")

#: The facts of a dossier, in the order the tally stores them (before the kept-ratings variants).
FACTS = ("dossiers", "complaint", "overdue", "early", "same_day", "returned", "dissatisfied", "bad")


@dataclass(frozen=True)
class Columns:
    """One dossier's fields, all SQL expressions or all numpy arrays of one length."""

    #: True for every dossier (it counts the dossiers).
    every: Any
    #: A complaint or feedback about the dossier was recorded.
    complaint: Any
    #: Due and return times (UTC), and whether each is known (not NULL).
    due: Any
    returned: Any
    due_known: Any
    returned_known: Any
    #: Local (UTC+7) calendar days of the due and return times, comparable with < and ==.
    due_day: Any
    returned_day: Any
    #: A per-dossier rating answered the dissatisfied level.
    dissatisfied: Any

    def but(self, **changes) -> "Columns":
        """Return a copy with some columns changed."""
        return replace(self, **changes)


def facts(c: Columns) -> dict[str, Any]:
    """Return each fact of FACTS as an expression of the columns: true where the dossier has it."""
    returned = c.returned_known & c.due_known
    overdue = returned & (c.returned > c.due)
    return {
        "dossiers": c.every,
        "complaint": c.complaint,
        "overdue": overdue,
        "early": returned & (c.returned_day < c.due_day),
        "same_day": returned & (c.returned_day == c.due_day),
        "returned": returned,
        "dissatisfied": c.dissatisfied,
        "bad": c.dissatisfied | c.complaint | overdue,
    }


def ratings(connection: Connection) -> dict[int, tuple[int, int]]:
    """Return {stored version id: (answer slot, dissatisfied value)} of the per-dossier rating.

    Each version as it was stored, so an old version keeps its own slot and levels; the
    dissatisfied value is the lowest level that is not satisfied ("Không hài lòng").
    """
    code, item = RATING
    statement = select(col(Instrument.id), col(Instrument.definition)).where(col(Instrument.code) == code)
    rows = connection.execute(statement).all()
    result = {}
    for row in rows:
        instrument = definition(row.id, row.definition)
        worst = min(level.value for level in instrument.levels if level.value not in instrument.satisfied)
        result[row.id] = (instrument.item(item).slot, worst)
    return result
