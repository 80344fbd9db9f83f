"""Webhooks: HTTPS endpoints of integrators, and the durable outbox of deliveries to them."""

from datetime import datetime

from sqlalchemy import BigInteger, Column, ForeignKey, Index, Integer, String, Text
from sqlmodel import Field, SQLModel

from survey.models.base import utcnow


class Webhook(SQLModel, table=True):
    """An endpoint that receives the events of a unit subtree, signed with its secret."""

    id: int | None = Field(default=None, primary_key=True)
    #: Root of the subtree whose events are sent.
    unit_id: int = Field(foreign_key="unit.id", index=True)
    url: str = Field(max_length=500)
    #: Space-separated events (survey.core.webhooks.EVENTS).
    events: str = Field(max_length=200)
    #: Key of the HMAC-SHA256 signatures. Kept in clear because signing needs it (unlike API keys,
    #: which are only checked); shown once, never audited.
    secret: str = Field(sa_column=Column(String(64), nullable=False))
    active: bool = True
    created_at: datetime = Field(default_factory=utcnow)
    #: Outcome of the latest attempt: an HTTP status, or a short network error.
    last_status: str | None = Field(default=None, max_length=200)
    last_attempt_at: datetime | None = None


class WebhookDelivery(SQLModel, table=True):
    """One event waiting for (or done with) its delivery to one webhook: the outbox."""

    __tablename__ = "webhook_delivery"
    __table_args__ = (Index("ix_webhook_delivery_due", "delivered_at", "next_attempt_at"),)
    id: int | None = Field(
        default=None, sa_column=Column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True))
    webhook_id: int = Field(sa_column=Column(Integer, ForeignKey("webhook.id", ondelete="CASCADE"),
                                             nullable=False, index=True))
    event: str = Field(max_length=40)
    #: The JSON body sent, fixed when the event happened.
    payload: str = Field(sa_column=Column(Text, nullable=False))
    created_at: datetime = Field(default_factory=utcnow)
    attempts: int = 0
    next_attempt_at: datetime = Field(default_factory=utcnow)
    delivered_at: datetime | None = None
    #: Given up after the last attempt allowed.
    failed: bool = False
    last_status: str | None = Field(default=None, max_length=200)
