"""Kiosk ratings held for an administrator's decision."""

from datetime import datetime

from sqlalchemy import Column, String, Text
from sqlmodel import Field, SQLModel

from survey.models.base import utcnow


class HeldRating(SQLModel, table=True):
    """A rating a kiosk took before its current enrolment, kept until an administrator decides.

    Accepting records it as a response (with the same UUID, so it still counts once); discarding
    deletes it. Either way the decision is in the audit log.
    """

    __tablename__ = "held_rating"
    id: int | None = Field(default=None, primary_key=True)
    kiosk_id: int = Field(foreign_key="kiosk_device.id", index=True)
    #: The tablet's UUID of the rating (the response's idempotency key once accepted).
    key: str = Field(sa_column=Column(String(36), nullable=False, unique=True))
    #: The rating as the tablet sent it (JSON: rating, reasons, language).
    payload: str = Field(sa_column=Column(Text, nullable=False))
    #: When the citizen answered, on the server's clock (the tablet's skew taken out).
    answered_at: datetime
    received_at: datetime = Field(default_factory=utcnow)
