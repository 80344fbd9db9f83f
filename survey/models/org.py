"""The organisation: units, services, instruments, counters and kiosk devices."""

import secrets
from datetime import datetime

from sqlalchemy import (
    Column,
    ForeignKey,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlmodel import Field, SQLModel

from survey.models.base import UnitKind, enum_check, utcnow


class Unit(SQLModel, table=True):
    """An agency in the tree: province → service centre and branches, departments, communes and wards.

    The tree allows any shape: units stored before 1 July 2025 may still have districts between.
    """

    __table_args__ = (enum_check("kind", "kind", UnitKind),)
    id: int | None = Field(default=None, primary_key=True)
    #: Stable short code used in URLs, exports and the CLI (e.g. "STP" for Sở Tư pháp).
    code: str = Field(sa_column=Column(String(32), nullable=False, unique=True))
    name: str = Field(max_length=200)
    kind: str = Field(max_length=16)
    parent_id: int | None = Field(
        default=None, sa_column=Column(Integer, ForeignKey("unit.id"), nullable=True, index=True)
    )
    #: Materialised path of ids, "/1/4/17/": a subtree is `path LIKE '/1/4/%'`.
    path: str = Field(sa_column=Column(String(255), nullable=False, index=True))
    active: bool = True
    created_at: datetime = Field(default_factory=utcnow)


class Service(SQLModel, table=True):
    """An administrative procedure (thủ tục hành chính)."""

    id: int | None = Field(default=None, primary_key=True)
    #: National procedure code from the national database of procedures.
    code: str = Field(sa_column=Column(String(32), nullable=False, unique=True))
    name: str = Field(max_length=300)
    #: Field of the procedure (lĩnh vực), e.g. "Hộ tịch".
    field: str = Field(max_length=120)


class UnitService(SQLModel, table=True):
    """A procedure handled by a unit."""

    __tablename__ = "unit_service"
    unit_id: int = Field(foreign_key="unit.id", primary_key=True)
    service_id: int = Field(foreign_key="service.id", primary_key=True)


class Instrument(SQLModel, table=True):
    """One version of a questionnaire, as loaded from its data file."""

    __table_args__ = (UniqueConstraint("code", "version"),)
    id: int | None = Field(default=None, primary_key=True)
    code: str = Field(max_length=40)
    version: int
    #: The validated instrument document (JSON), so old responses keep their exact wording.
    definition: str = Field(sa_column=Column(Text, nullable=False))
    #: SHA-256 of the definition: a changed file with an unchanged version is refused.
    checksum: str = Field(max_length=64)
    loaded_at: datetime = Field(default_factory=utcnow)


#: Letters and digits of short counter codes, without look-alikes (0/O, 1/I/L).
SHORT_CODE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
SHORT_CODE_LENGTH = 6


def new_short_code() -> str:
    """Return a random short counter code ("AB12CD"), typed by people who cannot scan the poster."""
    return "".join(secrets.choice(SHORT_CODE_ALPHABET) for _ in range(SHORT_CODE_LENGTH))


class Counter(SQLModel, table=True):
    """A service counter of a unit, with the opaque token printed on its QR poster."""

    id: int | None = Field(default=None, primary_key=True)
    unit_id: int = Field(foreign_key="unit.id", index=True)
    name: str = Field(max_length=120)
    #: Random URL-safe token of /c/<token>; rotating it retires printed posters.
    token: str = Field(sa_column=Column(String(43), nullable=False, unique=True))
    #: Short code printed under the QR code (/c/AB12CD); rotated with the token. The default may be
    #: taken: the administration draws it with survey.core.units.give_short_code, which draws again.
    short_code: str = Field(default_factory=new_short_code,
                            sa_column=Column(String(8), nullable=False, unique=True))
    instrument_code: str = Field(default="sipas-service", max_length=40)
    active: bool = True
    created_at: datetime = Field(default_factory=utcnow)
    token_rotated_at: datetime | None = None


class KioskDevice(SQLModel, table=True):
    """A tablet enrolled at a counter."""

    __tablename__ = "kiosk_device"
    id: int | None = Field(default=None, primary_key=True)
    counter_id: int = Field(foreign_key="counter.id", index=True)
    name: str = Field(max_length=120)
    #: SHA-256 of the one-time enrolment code shown in the admin pages.
    enrol_code_hash: str | None = Field(default=None, max_length=64)
    enrol_expires_at: datetime | None = None
    #: SHA-256 of the long-lived device credential kept by the tablet.
    credential_hash: str | None = Field(
        default=None, sa_column=Column(String(64), nullable=True, unique=True)
    )
    #: Ratings closer together than this are kept but flagged.
    min_interval_seconds: int = 10
    active: bool = True
    enrolled_at: datetime | None = None
    last_seen_at: datetime | None = None
    created_at: datetime = Field(default_factory=utcnow)
    #: Ratings the tablet answered before this time reach the server as held ratings, for an
    #: administrator to accept or discard (set at each enrolment and reactivation).
    accepts_from: datetime | None = None
    #: Server time of the last sync that left the tablet's queue empty: a rating answered before
    #: it should have come with that sync, so one arriving later is flagged "late".
    drained_at: datetime | None = None
    #: What the tablet reported at its last sync: ratings still queued, ratings the server refused
    #: (kept on the tablet for staff), its script version, and how far its clock was off (seconds,
    #: positive when fast).
    queued: int = 0
    refused: int = 0
    app_version: str | None = Field(default=None, max_length=40)
    clock_skew_seconds: int | None = None
