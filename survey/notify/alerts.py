"""The alert checks of `flask alerts`: each finds what its scope's rule asks to hear about, once.

A unit's rule is its own `alert_rule` row or its nearest ancestor's; without any, the defaults
(verdicts on, ALERT_SPIKE_COUNT, ALERT_KIOSK_SILENT_HOURS, no words). Every alert has a key
(e.g. "spike:7:2026-07-15"): `outbox.deliver` sends a key once and records it.
"""

from collections import Counter as Tally
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta

from flask import current_app
from sqlalchemy import and_, func, or_
from sqlmodel import Session, select

import scoring
from survey.models import AlertRule, Counter, KioskDevice, Notice, Response, Unit
from survey.notify.outbox import Draft, deliver, recipients
from survey.periods import Period, month_end
from survey.periods import parse as parse_period
from survey.scores import cached_score_scope

#: A response none of whose answers is in the satisfied levels is a dissatisfied one.
DISSATISFIED = and_(Response.answered_mask != 0, Response.satisfied_mask == 0)


def rules(session: Session) -> dict[int, AlertRule]:
    """Return every stored rule by unit id."""
    return {rule.unit_id: rule for rule in session.exec(select(AlertRule)).all()}


def rule_for(unit: Unit, stored: dict[int, AlertRule]) -> AlertRule:
    """Return the unit's rule: its own, its nearest ancestor's, or the defaults."""
    for unit_id in reversed([int(part) for part in unit.path.strip("/").split("/")]):
        if unit_id in stored:
            return stored[unit_id]
    config = current_app.config
    return AlertRule(unit_id=unit.id, spike_count=int(config["ALERT_SPIKE_COUNT"]),
                     kiosk_silent_hours=int(config["ALERT_KIOSK_SILENT_HOURS"]))


def words_of(rule: AlertRule) -> list[str]:
    """Return the rule's listed words (one per line or comma), case-folded."""
    return [word.strip().casefold() for word in rule.words.replace(",", "\n").splitlines() if word.strip()]


def local_day(moment: datetime) -> date:
    """Return the province's local date of a UTC time."""
    return (moment.astimezone(UTC) + timedelta(hours=7)).date()


def month_before(period: Period) -> Period:
    """Return the month before a month."""
    last = period.first - timedelta(days=1)
    return Period(f"{last.year:04d}-{last.month:02d}", "month", last.replace(day=1),
                  month_end(last.year, last.month))


def verdict_drafts(session: Session, now: datetime, stored: dict[int, AlertRule]) -> Iterator[Draft]:
    """Yield a draft per unit whose verdict this month turned "not met" or whose index fell significantly."""
    today = local_day(now)
    month = parse_period(f"{today.year:04d}-{today.month:02d}")
    previous = month_before(month)
    alpha = float(current_app.config["ALERT_FALL_ALPHA"])
    units = {u.code: u for u in session.exec(select(Unit).where(Unit.active)).all()}
    for root in (u for u in units.values() if u.parent_id is None):
        now_rows, before_rows = (
            {row["unit"]: row for row in cached_score_scope(session, unit=root, period=p, level="all").rows}
            for p in (month, previous))
        for code, row in now_rows.items():
            unit, before = units.get(code), before_rows.get(code)
            if unit is None or before is None or not rule_for(unit, stored).verdict:
                continue
            context = {"unit": unit, "row": row, "before": before, "month": month, "previous": previous}
            if row["verdict"]["status"] == "not-met" and before["verdict"]["status"] != "not-met":
                yield Draft(f"verdict:{code}:{month.key}", "verdict", unit, "alert", context)
            change = scoring.index_change(
                before["index"]["estimate"] if before["index"]["estimate"] is not None else float("nan"),
                before["index"]["se"] or 0.0,
                row["index"]["estimate"] if row["index"]["estimate"] is not None else float("nan"),
                row["index"]["se"] or 0.0, alternative="less", confidence_level=1 - alpha)
            if change is not None and change.significant:
                yield Draft(f"fall:{code}:{month.key}", "fall", unit, "alert", {**context, "change": change})


def spike_drafts(session: Session, now: datetime, stored: dict[int, AlertRule]) -> Iterator[Draft]:
    """Yield a draft per counter whose dissatisfied or flagged responses today reach its rule's count."""
    today = local_day(now)
    day = Period(today.isoformat(), "range", today, today)
    statement = (
        select(Response.counter_id, func.count())
        .where(Response.submitted_at >= day.start_utc, Response.submitted_at < day.end_utc,
               Response.counter_id.is_not(None), or_(Response.suspicious, DISSATISFIED))
        .group_by(Response.counter_id)
    )
    for counter_id, count in session.exec(statement).all():
        counter = session.get(Counter, counter_id)
        unit = session.get(Unit, counter.unit_id)
        threshold = rule_for(unit, stored).spike_count
        if threshold and count >= threshold:
            yield Draft(f"spike:{counter_id}:{today.isoformat()}", "spike", unit, "alert",
                        {"unit": unit, "counter": counter, "count": count, "day": today})


def kiosk_drafts(session: Session, now: datetime, stored: dict[int, AlertRule]) -> Iterator[Draft]:
    """Yield a draft per enrolled, active kiosk silent for longer than its rule allows (once per silence)."""
    kiosks = session.exec(select(KioskDevice).where(KioskDevice.active,
                                                    KioskDevice.credential_hash.is_not(None))).all()
    for kiosk in kiosks:
        last = kiosk.last_seen_at or kiosk.enrolled_at
        if last is None:
            continue
        last = last if last.tzinfo else last.replace(tzinfo=UTC)
        counter = session.get(Counter, kiosk.counter_id)
        unit = session.get(Unit, counter.unit_id)
        hours = rule_for(unit, stored).kiosk_silent_hours
        if hours and now - last > timedelta(hours=hours):
            yield Draft(f"kiosk:{kiosk.id}:{last.isoformat()}", "kiosk", unit, "alert",
                        {"unit": unit, "counter": counter, "kiosk": kiosk, "last": last,
                         "hours": int((now - last).total_seconds() // 3600)})


def comment_drafts(session: Session, now: datetime, stored: dict[int, AlertRule]) -> Iterator[Draft]:
    """Yield a draft per comment of the last two days that holds a word its scope lists."""
    if not any(rule.words.strip() for rule in stored.values()):
        return
    statement = (select(Response.id, Response.comment, Response.submitted_at, Unit)
                 .join(Unit, Unit.id == Response.unit_id)
                 .where(Response.submitted_at >= now - timedelta(days=2), Response.comment.is_not(None))
                 .order_by(Response.id))
    for response_id, comment, submitted_at, unit in session.exec(statement).all():
        text = comment.casefold()
        found = [word for word in words_of(rule_for(unit, stored)) if word in text]
        if found:
            yield Draft(f"comment:{response_id}", "comment", unit, "alert",
                        {"unit": unit, "comment": comment, "words": found, "submitted_at": submitted_at})


CHECKS = (verdict_drafts, spike_drafts, kiosk_drafts, comment_drafts)


def run(session: Session, *, now: datetime | None = None) -> Tally:
    """Run every check and send what is new; return how many alerts of each kind went out."""
    now = now or datetime.now(UTC)
    stored = rules(session)
    sent: Tally = Tally()
    for check in CHECKS:
        for draft in list(check(session, now, stored)):
            if session.exec(select(Notice.id).where(Notice.key == draft.key)).first() is not None:
                continue
            users = recipients(session, draft.unit) if draft.unit else []
            if deliver(session, draft, users, choice="alerts") is not None:
                sent[draft.kind] += 1
    return sent
