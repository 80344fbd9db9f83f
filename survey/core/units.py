"""Building the unit tree and its counters: the one place that sets paths and makes tokens."""

import secrets

from sqlmodel import Session, func, select

from survey.models import Unit, UnitKind


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
