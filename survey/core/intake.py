"""Turn kiosk ratings and API items into responses (through survey.core.responses), flagged at write time.

A kiosk rating keeps the citizen's time on the tablet with the tablet's clock error taken out (measured
at the sync; flagged `clock` beyond the tolerance), bounded to a plausible window: a time too far ahead
or too old is moved to the window's edge and flagged (`clock`), never refused; a rating answered
before the tablet's last empty-queue sync is flagged (`late`). A rating answered before the tablet's
current enrolment is held for an administrator's decision (survey.core.held) instead of being counted.
"""

import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import TypeGuard

from flask import current_app
from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel import Session, select

from survey import instruments
from survey.core import stuffing
from survey.core.devices import aware
from survey.core.responses import InvalidResponse, by_key, record_response
from survey.instruments.catalogue import of_row, row_for
from survey.models import Channel, Counter, HeldRating, KioskDevice, Response, Unit, utcnow

#: How far a client clock may run ahead, and how old a queued or paper response may be (API keys).
CLOCK_SKEW = timedelta(minutes=5)
MAX_AGE = timedelta(days=366)
#: Flags a kiosk rating's time can earn (stored with the stuffing reasons in Response.suspicious_reason).
CLOCK = "clock"
LATE = "late"


class ItemError(ValueError):
    """An item cannot be recorded; `status` says how (invalid, not-found, forbidden, conflict, held)."""

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


@dataclass(frozen=True)
class SyncClock:
    """The server's time of a sync and how far the tablet's clock was off (zero within tolerance)."""

    now: datetime = field(default_factory=utcnow)
    #: Tablet clock minus server clock, measured when the tablet sent the batch (zero when unknown).
    skew: timedelta = timedelta(0)
    #: How far a tablet's clock may be off before it counts as wrong (KIOSK_CLOCK_TOLERANCE_SECONDS).
    tolerance: timedelta = CLOCK_SKEW
    #: How old a kiosk rating may plausibly be (KIOSK_MAX_AGE_HOURS).
    max_age: timedelta = timedelta(days=7)

    @classmethod
    def of_sync(cls, sent_at: datetime | None, *, tolerance: timedelta, max_age: timedelta) -> "SyncClock":
        """Return the clock of a sync whose tablet said it was `sent_at` when it sent the batch."""
        now = utcnow()
        skew = sent_at - now if sent_at is not None and sent_at.tzinfo is not None else timedelta(0)
        return cls(now=now, skew=skew, tolerance=tolerance, max_age=max_age)

    @property
    def wrong(self) -> bool:
        """Tell whether the tablet's clock is off by more than the tolerance."""
        return abs(self.skew) > self.tolerance


def sync_clock(sent_at: datetime | None = None) -> SyncClock:
    """Return the clock of a sync now, with the app's KIOSK_* settings."""
    config = current_app.config
    return SyncClock.of_sync(sent_at, tolerance=timedelta(seconds=config["KIOSK_CLOCK_TOLERANCE_SECONDS"]),
                             max_age=timedelta(hours=config["KIOSK_MAX_AGE_HOURS"]))


def reasons_mask(reasons: Iterable[int]) -> int:
    """Return the bit mask a multi item stores (bit v-1 for option v)."""
    mask = 0
    for value in reasons:
        mask |= 1 << (value - 1)
    return mask


def answered_time(moment: datetime | None) -> datetime:
    """Return when an integrator's response was answered: the client's time if plausible, else now."""
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


def kiosk_time(moment: datetime | None, clock: SyncClock) -> tuple[datetime, list[str]]:
    """Return a kiosk rating's time on the server's clock, bounded to the window, and its flags."""
    if moment is None:
        return clock.now, []
    if moment.tzinfo is None:
        raise ItemError("invalid", "answered_at needs a time zone (e.g. 2026-03-01T08:15:00+07:00)")
    earliest = clock.now - clock.max_age
    try:
        at, flags = moment - clock.skew, [CLOCK] if clock.wrong else []
    except OverflowError:  # a time near year 1 or 9999 on a clock that is far off
        return clock.now, [CLOCK]
    if at > clock.now + clock.tolerance or at < earliest:
        return min(max(at, earliest), clock.now), [CLOCK]
    return min(at, clock.now), flags


def parse_kiosk_item(item: object, key: str) -> KioskRating:
    """Return the rating a kiosk sent as a JSON item, or raise ItemError."""
    if not isinstance(item, dict):
        raise ItemError("invalid", "each item must be a JSON object")
    rating, reasons = item.get("rating"), item.get("reasons") or []
    if (not whole(rating) or not isinstance(reasons, list)
            or not all(whole(r) and 1 <= r <= 16 for r in reasons)):
        raise ItemError("invalid", "a kiosk item needs 'rating' (whole number) "
                                   "and optional 'reasons' (list of option numbers)")
    language = str(item.get("language")) if item.get("language") in ("vi", "en") else "vi"
    return KioskRating(key=key, rating=rating, reasons=tuple(reasons),
                       answered_at=parse_time(item.get("answered_at")), language=language)


def parse_time(value: object) -> datetime | None:
    """Return a time from ISO 8601 text (or None when absent)."""
    if value is None:
        return None
    try:
        return datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    except ValueError:
        raise ItemError("invalid", f"answered_at {value!r} is not an ISO 8601 time") from None


def whole(value: object) -> TypeGuard[int]:
    """Tell whether a JSON value is a whole number (true and false are not)."""
    return isinstance(value, int) and not isinstance(value, bool)


def record_kiosk_rating(
    session: Session, device: KioskDevice, counter: Counter, rating: KioskRating,
    *, clock: SyncClock | None = None, decided: bool = False,
) -> tuple[Response, bool]:
    """Record a kiosk rating for the device's counter (idempotent on the key; caller commits).

    A deactivated counter or unit takes no ratings (ItemError "forbidden"). A rating answered before
    the device's current enrolment raises ItemError("held") after keeping it in HeldRating, unless
    `decided` (an administrator accepted it).
    """
    clock = clock or sync_clock()
    at, flags = kiosk_time(rating.answered_at, clock)
    existing = by_key(session, rating.key)
    if existing is not None:
        return existing, False
    unit = session.get(Unit, counter.unit_id)
    if not (counter.active and unit is not None and unit.active):
        raise ItemError("forbidden", "this counter or its unit is deactivated: it takes no ratings")
    if not decided and device.accepts_from is not None and at < aware(device.accepts_from):
        hold(session, device, rating, at)
        raise ItemError("held", "answered before this kiosk's enrolment: kept for an administrator")
    if not decided and device.drained_at is not None and at < aware(device.drained_at) - clock.tolerance:
        flags.append(LATE)
    instrument_row = row_for(session, instruments.QUICK)
    lowest = min(level.value for level in of_row(instrument_row).levels)
    values = {"RATING": rating.rating,
              "REASONS": reasons_mask(rating.reasons) if rating.rating == lowest else None}
    reason = stuffing.suspicion(
        session,
        instrument_row=instrument_row,
        values=values,
        at=at,
        counter_id=counter.id,
        kiosk_id=device.id,
        min_interval_seconds=device.min_interval_seconds,
    )
    reason = ", ".join(([reason] if reason else []) + flags) or None
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


def hold(session: Session, device: KioskDevice, rating: KioskRating, at: datetime) -> None:
    """Keep a rating for a decision; a key held already (a retry, another tablet) is kept once."""
    dialect = postgresql if session.get_bind().dialect.name == "postgresql" else sqlite
    payload = json.dumps({"rating": rating.rating, "reasons": list(rating.reasons),
                          "language": rating.language})
    session.execute(
        dialect.insert(HeldRating.__table__).on_conflict_do_nothing(),
        {"kiosk_id": device.id, "key": rating.key, "payload": payload, "answered_at": at,
         "received_at": utcnow()},
    )


def held_rating(row: HeldRating) -> KioskRating:
    """Return the rating a held row keeps (its time already on the server's clock)."""
    payload = json.loads(row.payload)
    return KioskRating(key=row.key, rating=payload["rating"], reasons=tuple(payload["reasons"]),
                       answered_at=aware(row.answered_at), language=payload["language"])


def held_for(session: Session, device: KioskDevice) -> list[HeldRating]:
    """Return the ratings of a device awaiting a decision, oldest first."""
    return list(session.exec(
        select(HeldRating).where(HeldRating.kiosk_id == device.id).order_by(HeldRating.answered_at)
    ).all())
