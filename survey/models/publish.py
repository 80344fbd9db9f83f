"""Publication: which scopes show their results on a public page (none until an administrator says so)."""

from datetime import datetime

from sqlalchemy import Column, ForeignKey, Integer
from sqlmodel import Field, SQLModel

from survey.models.base import utcnow


class PublicPage(SQLModel, table=True):
    """A scope's public results page at /public/<unit code>, shown only while enabled."""

    __tablename__ = "public_page"
    id: int | None = Field(default=None, primary_key=True)
    unit_id: int = Field(sa_column=Column(Integer, ForeignKey("unit.id"), nullable=False, unique=True))
    enabled: bool = False
    changed_at: datetime = Field(default_factory=utcnow)
