"""The audit log: one helper writes who changed what, when, with the values before and after."""

import json
from datetime import date, datetime
from enum import Enum

from sqlmodel import Session, SQLModel

from survey.models import AuditEvent, User

#: Columns never copied into the audit log (secrets and their hashes).
SECRET_COLUMNS = frozenset({"password_hash", "key_hash", "credential_hash", "enrol_code_hash", "secret"})


def snapshot(row: SQLModel | None) -> dict | None:
    """Return a row's columns as a JSON-ready dict, secrets left out."""
    if row is None:
        return None
    values = {}
    for column in row.__table__.columns:
        if column.name in SECRET_COLUMNS:
            continue
        values[column.name] = plain(getattr(row, column.name))
    return values


def plain(value: object) -> object:
    """Return a JSON-ready form of a column value."""
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Enum):
        return value.value
    return value


def record(
    session: Session,
    user: User | int | None,
    action: str,
    entity: SQLModel | str,
    before: dict | None,
    after: dict | None,
) -> AuditEvent:
    """Add an audit event (the caller commits); entity is the changed row or a table name."""
    user_id = user if isinstance(user, int) or user is None else user.id
    if isinstance(entity, str):
        entity_name, entity_id = entity, None
    else:
        if getattr(entity, "id", None) is None:
            session.flush()  # a new row gets its id
        entity_name, entity_id = entity.__tablename__, entity.id
    changed_before, changed_after = changes(before, after)
    event = AuditEvent(
        user_id=user_id,
        action=action,
        entity=entity_name,
        entity_id=entity_id,
        before=dump(changed_before),
        after=dump(changed_after),
    )
    session.add(event)
    return event


def changes(before: dict | None, after: dict | None) -> tuple[dict | None, dict | None]:
    """Keep only the keys whose values differ when both sides are given."""
    if before is None or after is None:
        return before, after
    keys = [key for key in {**before, **after} if before.get(key) != after.get(key)]
    return {k: before.get(k) for k in keys}, {k: after.get(k) for k in keys}


def dump(values: dict | None) -> str | None:
    """Serialise a snapshot as JSON text (None stays None)."""
    return None if values is None else json.dumps(values, ensure_ascii=False, sort_keys=True)
