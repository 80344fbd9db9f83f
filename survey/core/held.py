"""An administrator's decision on the ratings a kiosk held from before its current enrolment."""

from datetime import timedelta

from sqlmodel import Session, delete, func, select

from survey.core import audit
from survey.core.intake import MAX_AGE, SyncClock, held_for, held_rating, record_kiosk_rating
from survey.models import Counter, HeldRating, KioskDevice, User

ACCEPT, DISCARD = "accept", "discard"


def decide(session: Session, device: KioskDevice, user: User, decision: str) -> int:
    """Accept (record as responses) or discard the device's held ratings; audit it; return how many.

    Accepted ratings keep their answered time and their UUID, so a rating already counted counts
    once; they still go through the stuffing signals. The caller commits.
    """
    if decision not in (ACCEPT, DISCARD):
        raise ValueError(f"decision must be {ACCEPT!r} or {DISCARD!r}, not {decision!r}")
    rows = held_for(session, device)
    if not rows:
        return 0
    if decision == ACCEPT:
        counter = session.get(Counter, device.counter_id)
        clock = SyncClock(max_age=MAX_AGE, tolerance=timedelta(0))
        for row in rows:
            record_kiosk_rating(session, device, counter, held_rating(row), clock=clock, decided=True)
    session.execute(delete(HeldRating).where(HeldRating.id.in_([row.id for row in rows])))
    audit.record(session, user, f"{decision}-held", device, None, {
        "ratings": len(rows),
        "answered_from": audit.plain(rows[0].answered_at),
        "answered_to": audit.plain(rows[-1].answered_at),
    })
    return len(rows)


def held_counts(session: Session, kiosk_ids: list[int]) -> dict[int, int]:
    """Return how many ratings each device holds for a decision."""
    return dict(session.exec(
        select(HeldRating.kiosk_id, func.count()).where(HeldRating.kiosk_id.in_(kiosk_ids))
        .group_by(HeldRating.kiosk_id)
    ).all())
