"""Digests of `flask digest --period daily|weekly`: one mail per subscribed user about their scope.

A digest covers the local days of its window (yesterday, or the seven days to yesterday): the scope's
verdict tally and its units whose verdict changed, both over the managers' pages' default period
(the twelve months to the window's last day, against the same up to the day before the window), the
weakest items, and the comments written in the window.
"""

from collections import Counter as Tally
from datetime import date, timedelta

from sqlmodel import Session, select

from survey.models import Unit, User
from survey.notify.outbox import Draft, deliver
from survey.periods import Period, last_twelve_months, local_today
from survey.scores import Filters, cached_score_scope, comments, sipas_instrument

PERIODS = {"daily": 1, "weekly": 7}
VERDICTS = ("met", "inconclusive", "not-met", "insufficient")


def window(period: str, today: date) -> Period:
    """Return the local days a digest covers: yesterday, or the seven days to yesterday."""
    last = today - timedelta(days=1)
    first = last - timedelta(days=PERIODS[period] - 1)
    return Period(f"{first.isoformat()}..{last.isoformat()}", "range", first, last)


def scope_of(session: Session, user: User) -> Unit | None:
    """Return the unit a user's digest is about (a province admin without a unit: the first province)."""
    if user.unit_id is not None:
        return session.get(Unit, user.unit_id)
    return session.exec(select(Unit).where(Unit.parent_id.is_(None)).order_by(Unit.id)).first()


def content(session: Session, unit: Unit, days: Period) -> dict:
    """Return what a digest of a scope says about a window (plain data the templates display)."""
    period = last_twelve_months(days.last)
    table = cached_score_scope(session, unit=unit, period=period)
    before = cached_score_scope(session, unit=unit, period=last_twelve_months(days.first - timedelta(days=1)))
    tally = Tally(row["verdict"]["status"] for row in table.rows)
    earlier = {row["unit"]: row["verdict"]["status"] for row in before.rows}
    changed = [{"row": row, "before": earlier.get(row["unit"], "insufficient")} for row in table.rows
               if row["verdict"]["status"] != earlier.get(row["unit"], "insufficient")]
    texts = {item.code: item.text.get("vi", item.code) for item in sipas_instrument().scored_items}
    items = [{"code": code, "text": texts.get(code, code), **score}
             for code, score in table.scope["items"].items() if score["estimate"] is not None]
    weakest = sorted(items, key=lambda item: item["estimate"])[:3]
    new_comments = comments(session, unit, Filters(days), search="", page=1, per_page=10)
    return {"unit": unit, "days": days, "period": period, "scope": table.scope, "rows": table.rows,
            "tally": [(status, tally.get(status, 0)) for status in VERDICTS], "changed": changed,
            "weakest": weakest, "comments": new_comments["rows"], "more_comments": new_comments["more"]}


def run(session: Session, period: str, *, today: date | None = None) -> Tally:
    """Send the digest of this period to every user who chose it; return {"sent": n, "skipped": n}."""
    if period not in PERIODS:
        raise ValueError(f"period must be one of {tuple(PERIODS)}; got {period!r}")
    today = today or local_today()
    days = window(period, today)
    users = session.exec(select(User).where(User.active, User.digest == period, User.email.is_not(None),
                                            User.email != "").order_by(User.id)).all()
    done: Tally = Tally()
    for user in users:
        unit = scope_of(session, user)
        if unit is None:
            continue
        draft = Draft(f"digest:{period}:{user.id}:{days.last.isoformat()}", f"digest-{period}", unit,
                      "digest", {**content(session, unit, days), "digest_period": period})
        done["sent" if deliver(session, draft, [user], choice="digest") else "skipped"] += 1
    return done
