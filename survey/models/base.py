"""The naming convention, shared enumerations and helpers of every table."""

import enum
from datetime import UTC, datetime

from sqlalchemy import (
    CheckConstraint,
    MetaData,
)
from sqlmodel import SQLModel

#: One naming convention for every constraint, set before the first table exists.
NAMING_CONVENTION = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}
SQLModel.metadata = MetaData(naming_convention=NAMING_CONVENTION)

#: Item-value slots in an answer row; an instrument maps its items to slots in order.
ANSWER_SLOTS = 24


def utcnow() -> datetime:
    """Return the current time, timezone-aware in UTC (every stored time is UTC)."""
    return datetime.now(UTC)


class UnitKind(enum.StrEnum):
    PROVINCE = "province"
    CENTRE = "centre"
    DEPARTMENT = "department"
    DISTRICT = "district"
    COMMUNE = "commune"


class Channel(enum.StrEnum):
    COUNTER_QR = "counter-qr"
    RECEIPT = "receipt"
    KIOSK = "kiosk"
    PAPER = "paper"


class Role(enum.StrEnum):
    PROVINCE_ADMIN = "province-admin"
    UNIT_MANAGER = "unit-manager"
    VIEWER = "viewer"


def enum_check(name: str, column: str, values: type[enum.StrEnum]) -> CheckConstraint:
    """Return a named CHECK that keeps a text column inside an enumeration."""
    allowed = ", ".join(f"'{v.value}'" for v in values)
    return CheckConstraint(f"{column} IN ({allowed})", name=name)
