"""Who may do what: users, API keys and the audit trail."""

from datetime import datetime

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Column,
    Integer,
    String,
    Text,
    true,
)
from sqlmodel import Field, SQLModel

from survey.models.base import Role, enum_check, utcnow


class User(SQLModel, table=True):
    """A manager, viewer or administrator, scoped to a unit subtree."""

    __tablename__ = "app_user"
    __table_args__ = (
        enum_check("role", "role", Role),
        CheckConstraint("digest IN ('none', 'daily', 'weekly')", name="digest"),
    )
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
    #: Part of every session cookie of this user; bumped on sign-out and on a new password, so
    #: that every earlier session ends on the server's side.
    session_version: int = Field(default=1, sa_column=Column(Integer, nullable=False, server_default="1"))
    created_at: datetime = Field(default_factory=utcnow)
    #: Where alerts and digests go; None: no mail.
    email: str | None = Field(default=None, max_length=254)
    #: Digest by mail: "none", "daily" or "weekly" (an unsubscribe link sets "none").
    digest: str = Field(default="none", sa_column=Column(String(8), nullable=False, server_default="none"))
    #: Alerts by mail (an unsubscribe link in an alert turns them off).
    alerts: bool = Field(default=True, sa_column=Column(Boolean, nullable=False, server_default=true()))


class ApiKey(SQLModel, table=True):
    """A key of an integrator (one-stop software), with its scopes."""

    __tablename__ = "api_key"
    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(max_length=120)
    #: First characters of the key, shown in the admin pages to tell keys apart.
    prefix: str = Field(max_length=12)
    key_hash: str = Field(sa_column=Column(String(64), nullable=False, unique=True))
    #: Space-separated scopes: receipts:write responses:write dossiers:write scores:read.
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
