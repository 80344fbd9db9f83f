"""Notifications: alert rules of a scope and the record of every alert and digest sent."""

from datetime import datetime

from sqlalchemy import Column, ForeignKey, Integer, String, Text
from sqlmodel import Field, SQLModel

from survey.models.base import utcnow


class AlertRule(SQLModel, table=True):
    """Which alerts the users of a scope get; a unit without a rule takes its nearest ancestor's."""

    __tablename__ = "alert_rule"
    id: int | None = Field(default=None, primary_key=True)
    unit_id: int = Field(sa_column=Column(Integer, ForeignKey("unit.id"), nullable=False, unique=True))
    #: A unit's verdict turns "not met", or its index falls significantly from the previous month.
    verdict: bool = True
    #: Dissatisfied or flagged responses at one counter in one local day that make a spike (0: off).
    spike_count: int = 5
    #: Hours a kiosk may go without contact before an alert (0: off).
    kiosk_silent_hours: int = 24
    #: Words or phrases (one per line) that make a comment an alert; empty: off.
    words: str = Field(default="", sa_column=Column(Text, nullable=False, server_default=""))
    updated_at: datetime = Field(default_factory=utcnow)


class Notice(SQLModel, table=True):
    """An alert or digest that was sent, once per key (the key is what de-duplicates it)."""

    __tablename__ = "notice"
    id: int | None = Field(default=None, primary_key=True)
    #: What it is about, e.g. "verdict:H-01:2026-07" or "digest:daily:3:2026-07-15"; sent once.
    key: str = Field(sa_column=Column(String(200), nullable=False, unique=True))
    kind: str = Field(max_length=20)
    unit_id: int | None = Field(default=None, foreign_key="unit.id")
    subject: str = Field(max_length=300)
    recipients: int = 0
    sent_at: datetime = Field(default_factory=utcnow, index=True)
