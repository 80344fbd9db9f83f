"""Tables of Hài Lòng. The Alembic revisions in migrations/ are the truth; these mirror them."""

import enum
from datetime import UTC, datetime

from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    Column,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    SmallInteger,
    String,
    Text,
    UniqueConstraint,
    event,
    text,
)
from sqlalchemy.schema import DDL
from sqlmodel import Field, SQLModel

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


class Unit(SQLModel, table=True):
    """An agency in the tree: province → department / district → commune; a centre too."""

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


class Counter(SQLModel, table=True):
    """A service counter of a unit, with the opaque token printed on its QR poster."""

    id: int | None = Field(default=None, primary_key=True)
    unit_id: int = Field(foreign_key="unit.id", index=True)
    name: str = Field(max_length=120)
    #: Random URL-safe token of /c/<token>; rotating it retires printed posters.
    token: str = Field(sa_column=Column(String(43), nullable=False, unique=True))
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


class Dossier(SQLModel, table=True):
    """A dossier known from a receipt or pushed by the one-stop system."""

    id: int | None = Field(default=None, primary_key=True)
    unit_id: int = Field(foreign_key="unit.id", index=True)
    service_id: int | None = Field(default=None, foreign_key="service.id")
    #: Keyed hash (HMAC-SHA-256) of the dossier code; the code itself is never stored.
    dossier_hash: str = Field(sa_column=Column(String(64), nullable=False, unique=True))
    received_at: datetime | None = None
    due_at: datetime | None = None
    returned_at: datetime | None = None
    #: A founded complaint or feedback was recorded on this dossier (QĐ 766).
    complaint: bool = False
    created_at: datetime = Field(default_factory=utcnow)


class Response(SQLModel, table=True):
    """One citizen's submitted questionnaire."""

    __table_args__ = (
        enum_check("channel", "channel", Channel),
        UniqueConstraint("instrument_id", "dossier_hash"),
        CheckConstraint("language IN ('vi', 'en')", name="language"),
        CheckConstraint("satisfied_mask & answered_mask = satisfied_mask", name="masks"),
        Index("ix_response_unit_id_submitted_at", "unit_id", "submitted_at"),
        Index("ix_response_counter_id_submitted_at", "counter_id", "submitted_at"),
        # The newest comments of a large subtree: walked backwards instead of sorting its year.
        Index("ix_response_commented", "submitted_at", "unit_id",
              sqlite_where=text("comment IS NOT NULL"), postgresql_where=text("comment IS NOT NULL")),
    )
    id: int | None = Field(
        default=None,
        sa_column=Column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True),
    )
    instrument_id: int = Field(foreign_key="instrument.id")
    unit_id: int = Field(foreign_key="unit.id")
    counter_id: int | None = Field(default=None, foreign_key="counter.id")
    service_id: int | None = Field(default=None, foreign_key="service.id", index=True)
    kiosk_id: int | None = Field(default=None, foreign_key="kiosk_device.id")
    channel: str = Field(max_length=16)
    #: UTC time the response was accepted (or answered, for kiosk sync and paper entry).
    submitted_at: datetime = Field(default_factory=utcnow, index=True)
    #: Client-made UUID: the same key twice is the same response, never a second one.
    idempotency_key: str = Field(sa_column=Column(String(64), nullable=False, unique=True))
    dossier_hash: str | None = Field(default=None, max_length=64)
    language: str = Field(default="vi", max_length=2)
    #: Bit j set: the respondent answered scored item j (levels, not "no opinion").
    answered_mask: int = Field(default=0, sa_column=Column(Integer, nullable=False))
    #: Bit j set: that answer is in the instrument's satisfied levels.
    satisfied_mask: int = Field(default=0, sa_column=Column(Integer, nullable=False))
    comment: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    gender: str | None = Field(default=None, max_length=16)
    age_band: str | None = Field(default=None, max_length=16)
    occupation: str | None = Field(default=None, max_length=32)
    applicant: str | None = Field(default=None, max_length=16)
    #: Seconds between opening the form and submitting it, when known.
    fill_seconds: int | None = None
    #: Kept and counted unless a page asks to leave flagged responses out.
    suspicious: bool = Field(default=False, index=True)
    suspicious_reason: str | None = Field(default=None, max_length=200)
    #: Keyed hash of the client address (never the address itself), for abuse checks.
    client_hash: str | None = Field(default=None, max_length=32)


class Answer(SQLModel, table=True):
    """The item values of one response, one slot per instrument item (see Instrument)."""

    response_id: int = Field(
        sa_column=Column(
            BigInteger().with_variant(Integer, "sqlite"),
            ForeignKey("response.id", ondelete="CASCADE"),
            primary_key=True,
        )
    )


for _slot in range(1, ANSWER_SLOTS + 1):
    # v01…v24: the answer to the instrument's item in that slot; 0 is "no opinion",
    # NULL is "not asked". Wide rows keep a national year to one row per response.
    Answer.__table__.append_column(Column(f"v{_slot:02d}", SmallInteger, nullable=True))


class User(SQLModel, table=True):
    """A manager, viewer or administrator, scoped to a unit subtree."""

    __tablename__ = "app_user"
    __table_args__ = (enum_check("role", "role", Role),)
    id: int | None = Field(default=None, primary_key=True)
    username: str = Field(sa_column=Column(String(80), nullable=False, unique=True))
    password_hash: str = Field(max_length=200)
    role: str = Field(max_length=20)
    #: Root of the subtree this user sees; None for a province admin over every province.
    unit_id: int | None = Field(default=None, foreign_key="unit.id")
    active: bool = True
    failed_logins: int = 0
    locked_until: datetime | None = None
    last_login_at: datetime | None = None
    created_at: datetime = Field(default_factory=utcnow)


class ApiKey(SQLModel, table=True):
    """A key of an integrator (one-stop software), with its scopes."""

    __tablename__ = "api_key"
    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(max_length=120)
    #: First characters of the key, shown in the admin pages to tell keys apart.
    prefix: str = Field(max_length=12)
    key_hash: str = Field(sa_column=Column(String(64), nullable=False, unique=True))
    #: Space-separated scopes: receipts:write responses:write scores:read.
    scopes: str = Field(max_length=200)
    unit_id: int | None = Field(default=None, foreign_key="unit.id")
    active: bool = True
    created_at: datetime = Field(default_factory=utcnow)
    last_used_at: datetime | None = None


class AuditEvent(SQLModel, table=True):
    """Who changed what, when, with the values before and after."""

    __tablename__ = "audit_event"
    id: int | None = Field(default=None, primary_key=True)
    at: datetime = Field(default_factory=utcnow, index=True)
    user_id: int | None = Field(default=None, foreign_key="app_user.id")
    action: str = Field(max_length=40)
    entity: str = Field(max_length=40)
    entity_id: int | None = None
    before: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    after: str | None = Field(default=None, sa_column=Column(Text, nullable=True))


class Tally(SQLModel, table=True):
    """Additive sums of the responses of one group (see survey.scores.tally), updated by addition.

    Grain "counter" groups by unit, counter, local month, channel and flag; grain "service" by
    unit, service, local month and flag (channel ""). Both hold every response once. Grain
    "dossier" holds the QĐ 766 facts of dossiers by unit, service and local month of reception
    (instrument 0, channel "", flag false).
    """

    __table_args__ = (UniqueConstraint("grain", "instrument_id", "unit_id", "part_id", "month", "channel",
                                       "suspicious"),)
    id: int | None = Field(default=None, primary_key=True)
    grain: str = Field(max_length=8)
    #: The instrument version (0 for grain "dossier").
    instrument_id: int
    unit_id: int = Field(foreign_key="unit.id")
    #: The counter (grain "counter") or the service (grains "service", "dossier"); 0 where there was none.
    part_id: int = 0
    #: Local (UTC+7) month "YYYY-MM" of submission.
    month: str = Field(max_length=7)
    channel: str = Field(max_length=16)
    suspicious: bool
    #: Little-endian int32 sums in the layout of the instrument version (survey.scores.tally.Layout).
    sums: bytes = Field(sa_column=Column(LargeBinary, nullable=False))
    #: The fold that last changed the row: readers reload only rows newer than what they hold.
    generation: int = Field(index=True)


class TallyPending(SQLModel, table=True):
    """Responses not added to the tally yet: a trigger on response adds every new row here."""

    __tablename__ = "tally_pending"
    response_id: int = Field(sa_column=Column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True))


class TallyPendingDossier(SQLModel, table=True):
    """Dossiers not added to the tally yet: a trigger on dossier adds every new row here."""

    __tablename__ = "tally_pending_dossier"
    dossier_id: int = Field(primary_key=True)


#: Every inserted response and dossier, whoever writes it (the app, bulk loads, an operator's SQL),
#: waits in a queue until survey.scores.tally folds it in: table → (queue table, queue column).
TALLY_QUEUES = {"response": ("tally_pending", "response_id"),
                "dossier": ("tally_pending_dossier", "dossier_id")}


def tally_trigger(table: str) -> str:
    """Return the name of the trigger (and PostgreSQL function) that queues a table's new rows."""
    return f"{table}_tally_pending"


def tally_trigger_ddl(table: str, dialect: str) -> list[str]:
    """Return the statements creating the trigger that queues a table's new rows.

    The Alembic revision creates the same.
    """
    queue, column = TALLY_QUEUES[table]
    name, insert = tally_trigger(table), f"INSERT INTO {queue} ({column}) VALUES (NEW.id)"
    if dialect == "sqlite":
        return [f"CREATE TRIGGER IF NOT EXISTS {name} AFTER INSERT ON {table} BEGIN {insert}; END"]
    return [f"CREATE OR REPLACE FUNCTION {name}() RETURNS trigger LANGUAGE plpgsql "
            f"AS $$ BEGIN {insert}; RETURN NULL; END $$",
            f"CREATE OR REPLACE TRIGGER {name} AFTER INSERT ON {table} "
            f"FOR EACH ROW EXECUTE FUNCTION {name}()"]


for _table in TALLY_QUEUES:
    for _dialect in ("sqlite", "postgresql"):
        for _statement in tally_trigger_ddl(_table, _dialect):
            event.listen(SQLModel.metadata, "after_create", DDL(_statement).execute_if(dialect=_dialect))
