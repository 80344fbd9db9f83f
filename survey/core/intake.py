"""Turn kiosk ratings and API items into responses (through survey.core.responses), flagged at write time."""

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlmodel import Session

from survey import instruments
from survey.core import stuffing
from survey.core.responses import InvalidResponse, record_response
from survey.instruments.catalogue import of_row, row_for
from survey.models import Channel, Counter, KioskDevice, Response, Unit, utcnow

#: How far a client clock may run ahead, and how old a queued or paper response may be.
CLOCK_SKEW = timedelta(minutes=5)
MAX_AGE = timedelta(days=366)


class ItemError(ValueError):
    """An item cannot be recorded; `status` says how (invalid, not-found, forbidden, conflict)."""

    def __init__(self, status: str, message: str):
        super().__init__(message)
        self.status = status


@dataclass(frozen=True)
class KioskRating:
    """One rating taken on a kiosk."""

    key: str
    rating: int
    reasons: tuple[int, ...] = ()
    answered_at: datetime | None = None
    language: str = "vi"


def reasons_mask(reasons: Iterable[int]) -> int:
    """Return the bit mask a multi item stores (bit v-1 for option v)."""
    mask = 0
    for value in reasons:
        mask |= 1 << (value - 1)
    return mask


def answered_time(moment: datetime | None) -> datetime:
    """Return when a response was answered: the client's time if plausible, else now."""
    now = utcnow()
    if moment is None:
        return now
    if moment.tzinfo is None:
        raise ItemError("invalid", "answered_at needs a time zone (e.g. 2026-03-01T08:15:00+07:00)")
    if moment > now + CLOCK_SKEW:
        raise ItemError("invalid", f"answered_at {moment.isoformat()} is in the future")
    if moment < now - MAX_AGE:
        raise ItemError("invalid", f"answered_at {moment.isoformat()} is more than a year ago")
    return min(moment, now)


def record_kiosk_rating(
    session: Session, device: KioskDevice, counter: Counter, rating: KioskRating
) -> tuple[Response, bool]:
    """Record a kiosk rating for the device's counter (idempotent on the key; caller commits).

    A deactivated counter or unit takes no ratings (ItemError "forbidden").
    """
    unit = session.get(Unit, counter.unit_id)
    if not (counter.active and unit is not None and unit.active):
        raise ItemError("forbidden", "this counter or its unit is deactivated: it takes no ratings")
    instrument_row = row_for(session, instruments.QUICK)
    lowest = min(level.value for level in of_row(instrument_row).levels)
    values = {"RATING": rating.rating,
              "REASONS": reasons_mask(rating.reasons) if rating.rating == lowest else None}
    at = answered_time(rating.answered_at)
    reason = stuffing.suspicion(
        session,
        instrument_row=instrument_row,
        values=values,
        at=at,
        counter_id=counter.id,
        kiosk_id=device.id,
        min_interval_seconds=device.min_interval_seconds,
    )
    try:
        return record_response(
            session,
            instrument_row=instrument_row,
            unit_id=counter.unit_id,
            channel=Channel.KIOSK,
            values=values,
            idempotency_key=rating.key,
            counter_id=counter.id,
            kiosk_id=device.id,
            language=rating.language,
            submitted_at=at,
            suspicious_reason=reason,
        )
    except InvalidResponse as exc:
        raise ItemError("invalid", str(exc)) from exc
