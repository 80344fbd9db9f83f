"""Paper questionnaires typed in by staff: one row per printed form, once per serial."""

from datetime import datetime

from sqlalchemy import BigInteger, Column, ForeignKey, Integer, Text, UniqueConstraint
from sqlmodel import Field, SQLModel

from survey.models.base import utcnow


class PaperEntry(SQLModel, table=True):
    """A printed form (counter, instrument version, serial) as typed in, and the response it became.

    With double entry the first typing waits here until a second person types the same values;
    only then is the response written. A serial is entered once per counter.
    """

    __tablename__ = "paper_entry"
    __table_args__ = (UniqueConstraint("counter_id", "serial"),)
    id: int | None = Field(default=None, primary_key=True)
    counter_id: int = Field(foreign_key="counter.id")
    instrument_id: int = Field(foreign_key="instrument.id")
    #: The serial printed on the form (its machine-readable identity says the same).
    serial: int
    #: The values as first typed: JSON {item code: value or null, "comment": text}.
    first_values: str = Field(sa_column=Column(Text, nullable=False))
    first_user_id: int = Field(foreign_key="app_user.id")
    first_at: datetime = Field(default_factory=utcnow)
    second_user_id: int | None = Field(default=None, foreign_key="app_user.id")
    second_at: datetime | None = None
    #: The response written once the entry is complete (single entry, or two that agree).
    response_id: int | None = Field(
        default=None,
        sa_column=Column(BigInteger().with_variant(Integer, "sqlite"),
                         ForeignKey("response.id", ondelete="SET NULL"), nullable=True),
    )
