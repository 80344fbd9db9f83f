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
    """Kinds of units since the two-tier local government of 1 July 2025 (province → commune).

    DISTRICT stays valid for units stored before the reform; new units are never districts.
    """

    #: The national level (the ministry), above the provinces: one root for a national deployment.
    NATION = "nation"
    PROVINCE = "province"
    #: The provincial public administration service centre (Trung tâm Phục vụ hành chính công).
    CENTRE = "centre"
    #: A branch of the centre (chi nhánh), serving several communes and wards.
    BRANCH = "branch"
    DEPARTMENT = "department"
    #: A rural commune (xã) or a special zone (đặc khu), with its one-stop section.
    COMMUNE = "commune"
    #: An urban ward (phường), with its one-stop section.
    WARD = "ward"
    #: A district (huyện, quận, thị xã, thành phố thuộc tỉnh): abolished on 1 July 2025.
    DISTRICT = "district"


#: The kinds a new unit may have: today's organisation (no districts).
CURRENT_UNIT_KINDS = tuple(kind for kind in UnitKind if kind is not UnitKind.DISTRICT)
#: The kinds of a root, never offered for a unit added under another.
ROOT_UNIT_KINDS = (UnitKind.NATION, UnitKind.PROVINCE)


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
