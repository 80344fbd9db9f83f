"""Building the unit tree and its counters: the one place that sets paths and makes tokens."""

import secrets

from sqlmodel import Session

from survey.models import Unit, UnitKind


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
