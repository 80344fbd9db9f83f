"""Improvement follow-up: actions a manager records against a unit's weak items."""

from datetime import date, datetime

from sqlalchemy import Column, Text
from sqlmodel import Field, SQLModel

from survey.models.base import utcnow


class ImprovementAction(SQLModel, table=True):
    """What will be done about one item of a unit, by whom and by when (a change is measured from then)."""

    __tablename__ = "improvement_action"
    id: int | None = Field(default=None, primary_key=True)
    unit_id: int = Field(foreign_key="unit.id", index=True)
    #: The instrument item it is meant to improve (e.g. "C2").
    item_code: str = Field(max_length=16)
    what: str = Field(sa_column=Column(Text, nullable=False))
    who: str = Field(max_length=200)
    #: By when it is done: answers before this local date are "before", from it on "after".
    due_on: date
    created_by: int | None = Field(default=None, foreign_key="app_user.id")
    created_at: datetime = Field(default_factory=utcnow)
