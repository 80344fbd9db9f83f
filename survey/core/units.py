"""Building the unit tree and its counters: the one place that sets paths and makes tokens and short codes."""

import secrets
from collections.abc import Iterator

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, func, select

from survey.models import Counter, Unit, UnitKind, new_short_code

#: Short codes drawn for one counter before giving up (about 10,000 counters hold one in 90,000 of the
#: 887 million codes: a second draw is rare, a sixth is never needed).
SHORT_CODE_DRAWS = 6


class UnknownUnit(LookupError):
    """No unit has the code given, or several have it in different cases."""


def add_unit(session: Session, code: str, name: str, kind: UnitKind | str, parent: Unit | None) -> Unit:
    """Add a unit under a parent (flushed, so it has an id) and give it its materialised path."""
    unit = Unit(code=code, name=name, kind=kind, parent_id=parent and parent.id, path="")
    session.add(unit)
    session.flush()
    unit.path = f"{parent.path if parent else '/'}{unit.id}/"
    return unit


def new_counter_token() -> str:
    """Return a fresh random counter token (43 URL-safe characters, 256 bits)."""
    return secrets.token_urlsafe(32)


def give_short_code(session: Session, counter: Counter) -> None:
    """Give a new or rotated counter a short code no other counter holds, and write it (flushed).

    A code is checked first, then written inside a SAVEPOINT: when another transaction has taken
    it in between, the unique constraint refuses the write, only the savepoint is rolled back and
    another code is drawn. The session's other changes are flushed before, outside the savepoint.
    """
    session.flush()
    for _ in range(SHORT_CODE_DRAWS):
        code = new_short_code()
        if short_code_taken(session, code):
            continue
        try:
            with session.begin_nested():
                counter.short_code = code
                session.add(counter)
            return
        except IntegrityError:
            if not short_code_taken(session, code):  # another constraint refused the row
                raise
    raise RuntimeError(f"no free short counter code in {SHORT_CODE_DRAWS} draws")


def short_code_taken(session: Session, code: str) -> bool:
    """Tell whether a stored counter holds this short code (without flushing the session)."""
    with session.no_autoflush:
        return session.exec(select(Counter.id).where(Counter.short_code == code)).first() is not None


def unused_short_codes(session: Session) -> Iterator[str]:
    """Yield short codes no stored counter holds, never one twice: for adding many counters at once
    on a database nobody else writes to (the demo's structure).
    """
    taken = set(session.exec(select(Counter.short_code)).all())
    while True:
        code = new_short_code()
        if code not in taken:
            taken.add(code)
            yield code


def unit_by_code(session: Session, code: str) -> Unit:
    """Return the unit with this code in any case (the administration keeps codes in capitals).

    Raises UnknownUnit when none has it, and when stored codes differ only by case (units added
    before codes were kept in capitals): which one is meant cannot be told.
    """
    same = func.upper(Unit.code) == func.upper(code)  # the database's upper() on both sides
    found = session.exec(select(Unit).where(same).order_by(Unit.id)).all()
    if not found:
        raise UnknownUnit(f"no unit with code {code!r}")
    if len(found) > 1:
        codes = " and ".join(repr(unit.code) for unit in found)
        raise UnknownUnit(f"unit codes {codes} differ only by case: which one is meant cannot be told")
    return found[0]
