"""What citizens give: dossiers, responses and their answers."""

from datetime import datetime

from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    Column,
    ForeignKey,
    Index,
    Integer,
    SmallInteger,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlmodel import Field, SQLModel

from survey.models.base import ANSWER_SLOTS, Channel, enum_check, utcnow


class Dossier(SQLModel, table=True):
    """A dossier known from a receipt or pushed by the one-stop system."""

    __table_args__ = (
        CheckConstraint("complaint_outcome IN ('pending', 'upheld', 'dismissed')", name="complaint_outcome"),
    )
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
    #: What became of the complaint ("pending", "upheld", "dismissed"), when the one-stop system says.
    complaint_outcome: str | None = Field(default=None, max_length=16)
    #: Why the result came late, as the one-stop system recorded it.
    late_reason: str | None = Field(default=None, max_length=500)
    #: Submitted online (dịch vụ công trực tuyến) rather than at the counter; None when not told.
    online: bool | None = None
    #: Last time the one-stop system changed the facts (pushed or imported); None if never.
    updated_at: datetime | None = Field(default=None, index=True)


class Response(SQLModel, table=True):
    """One citizen's submitted questionnaire."""

    __table_args__ = (
        enum_check("channel", "channel", Channel),
        UniqueConstraint("instrument_id", "dossier_hash"),
        CheckConstraint("language IN ('vi', 'en')", name="language"),
        CheckConstraint("satisfied_mask & answered_mask = satisfied_mask", name="masks"),
        Index("ix_response_unit_id_submitted_at", "unit_id", "submitted_at"),
        Index("ix_response_counter_id_submitted_at", "counter_id", "submitted_at"),
        # The abuse checks' newest ratings of one client address or one kiosk (survey.core.stuffing).
        Index("ix_response_client_hash_submitted_at", "client_hash", "submitted_at",
              sqlite_where=text("client_hash IS NOT NULL"), postgresql_where=text("client_hash IS NOT NULL")),
        Index("ix_response_kiosk_id_submitted_at", "kiosk_id", "submitted_at",
              sqlite_where=text("kiosk_id IS NOT NULL"), postgresql_where=text("kiosk_id IS NOT NULL")),
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
