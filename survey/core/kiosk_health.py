"""Kiosk health for administrators: last contact, what each tablet reported, today's and flagged ratings."""

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import case
from sqlmodel import Session, func, select

from survey.core.devices import aware
from survey.core.held import held_counts
from survey.models import Counter, KioskDevice, Response, Unit, utcnow
from survey.periods import Period, local_today

#: Flagged shares are over this many days.
FLAGGED_DAYS = 30


@dataclass(frozen=True)
class KioskHealth:
    """One kiosk as administrators see it."""

    device: KioskDevice
    counter: Counter
    unit: Unit
    ratings_today: int
    ratings_recent: int
    flagged_recent: int
    held: int
    #: Enrolled, active, on an open counter, and not heard from for longer than the setting.
    silent: bool

    @property
    def flagged_share(self) -> float | None:
        """Return the share of the last FLAGGED_DAYS days' ratings that were flagged (None without any)."""
        return self.flagged_recent / self.ratings_recent if self.ratings_recent else None


def kiosk_health(
    session: Session, unit_ids: list[int], *, silent_after: timedelta, now: datetime | None = None
) -> list[KioskHealth]:
    """Return the health of every kiosk at the counters of these units, by unit and counter."""
    now = now or utcnow()
    rows = session.exec(
        select(KioskDevice, Counter, Unit)
        .join(Counter, Counter.id == KioskDevice.counter_id).join(Unit, Unit.id == Counter.unit_id)
        .where(Unit.id.in_(unit_ids)).order_by(Unit.path, Counter.name, KioskDevice.id)
    ).all()
    ids = [device.id for device, _counter, _unit in rows]
    today = Period("today", "range", local_today(), local_today()).start_utc
    since = now - timedelta(days=FLAGGED_DAYS)
    counts = {
        kiosk_id: (today_count, recent, flagged or 0)
        for kiosk_id, today_count, recent, flagged in session.exec(
            select(Response.kiosk_id, func.sum(case((Response.submitted_at >= today, 1), else_=0)),
                   func.count(), func.sum(case((Response.suspicious, 1), else_=0)))
            .where(Response.kiosk_id.in_(ids), Response.submitted_at >= min(since, today))
            .group_by(Response.kiosk_id)
        ).all()
    } if ids else {}
    held = held_counts(session, ids) if ids else {}
    return [
        KioskHealth(
            device=device, counter=counter, unit=unit,
            ratings_today=counts.get(device.id, (0, 0, 0))[0] or 0,
            ratings_recent=counts.get(device.id, (0, 0, 0))[1],
            flagged_recent=counts.get(device.id, (0, 0, 0))[2],
            held=held.get(device.id, 0),
            silent=is_silent(device, counter, unit, now - silent_after),
        )
        for device, counter, unit in rows
    ]


def is_silent(device: KioskDevice, counter: Counter, unit: Unit, cutoff: datetime) -> bool:
    """Tell whether a kiosk in service has not been heard from since the cutoff."""
    if not (device.active and device.credential_hash and counter.active and unit.active):
        return False
    last = device.last_seen_at or device.enrolled_at
    return last is None or aware(last) < cutoff
