"""Look up the recent ratings of a device and counter and ask survey.core.signals about a new one."""

from datetime import datetime, timedelta
from functools import cache

from flask import current_app
from sqlalchemy import Integer, and_, bindparam, case, literal_column, union
from sqlmodel import Session, col, func, or_, select

from survey.core import signals
from survey.core.devices import aware
from survey.instruments import Instrument
from survey.instruments.catalogue import of_row, stored
from survey.models import ANSWER_SLOTS, Answer, Response
from survey.models import Instrument as InstrumentRow

SLOT_COLUMNS = tuple(f"v{slot:02d}" for slot in range(1, ANSWER_SLOTS + 1))


def suspicion(
    session: Session,
    *,
    instrument_row: InstrumentRow,
    values: dict[str, int | None],
    at: datetime,
    counter_id: int | None,
    kiosk_id: int | None = None,
    min_interval_seconds: int | None = None,
) -> str | None:
    """Return why a new response looks stuffed (comma-separated reasons), or None."""
    thresholds = signals.thresholds_from(current_app.config)
    new = rating_of(instrument_row, values, at=at, counter_id=counter_id, kiosk_id=kiosk_id)
    window = max(thresholds.burst_seconds, thresholds.pattern_seconds, min_interval_seconds or 0)
    recent = recent_ratings(session, counter_id=counter_id, kiosk_id=kiosk_id,
                            since=at - timedelta(seconds=window))
    return signals.decide(new, recent, min_interval_seconds=min_interval_seconds, thresholds=thresholds)


def burst(
    session: Session,
    *,
    instrument_row: InstrumentRow,
    values: dict[str, int | None],
    at: datetime,
    counter_id: int | None,
    client_hash: str | None,
) -> str | None:
    """Return signals.BURST when a web form's top rating completes a burst on its counter or from
    its client address (by the server's time of acceptance), else None.

    The other signals stay off for web forms: a QR form may honestly be answered in the evening,
    and many citizens tick one column for every item (docs/respond.md).
    """
    thresholds = signals.thresholds_from(current_app.config)
    new = rating_of(instrument_row, values, at=at, counter_id=counter_id, client_hash=client_hash)
    if not new.top:
        return None
    where = {"counter_id": counter_id, "client_hash": client_hash,
             "since": at - timedelta(seconds=thresholds.burst_seconds)}
    # The newest few ratings settle most cases in one small read: a burst among them is a burst among
    # all (more ratings only add top ones), and fewer than asked for are all there are. Under a flood
    # this keeps each submission from reading the whole minute.
    probe = max(thresholds.burst_count, thresholds.client_burst_count)
    instrument = of_row(instrument_row)
    recent = recent_tops(session, instrument_row.id, instrument, newest=probe, **where)
    if len(recent) == probe and not signals.in_burst(new, recent, thresholds):
        recent = recent_tops(session, instrument_row.id, instrument, **where)
    return signals.BURST if signals.in_burst(new, recent, thresholds) else None


def recent_tops(session: Session, instrument_id: int, instrument: Instrument, *, counter_id: int | None,
                client_hash: str | None, since: datetime, newest: int | None = None) -> list[signals.Rating]:
    """Return the recent ratings of a counter and a client with whether each is top, the database
    telling top for ratings of this instrument (a web form's burst check reads four columns, not every
    answer); a rating of another instrument among them sends the read to recent_ratings.
    """
    where = {"counter_id": counter_id, "client_hash": client_hash}
    owners, parameters = owned(where, since=since, newest=newest)
    if not owners:
        return []
    scored = tuple(item.slot for item in instrument.scored_items)
    statement = tops_statement(owners, scored, top_level(instrument), newest=bool(newest))
    rows = session.connection().execute(statement, parameters | {"instrument_id": instrument_id}).all()
    if any(is_top is None for *_, is_top in rows):
        return recent_ratings(session, since=since, newest=newest, **where)
    return [signals.Rating(at=aware(at), pattern=(), top=bool(is_top), counter_id=counter, client_hash=client)
            for at, counter, client, is_top in rows]


@cache
def tops_statement(owners: tuple[str, ...], scored: tuple[int, ...], top: int, *, newest: bool):
    """Return recent_statement's read reduced to time, counter, client and is_top() told in SQL for the
    instrument of :instrument_id (NULL for a rating of another one); built once per instrument.
    """
    full = recent_statement(owners, newest=newest)
    values = [Answer.__table__.c[SLOT_COLUMNS[slot - 1]] for slot in scored]
    # Constants written into the SQL, not parameters: the statement is built once per instrument.
    level, none = literal_column(str(int(top)), Integer), literal_column("0", Integer)
    is_top = and_(or_(*(func.coalesce(value, none) == level for value in values)),  # never NULL
                  *(or_(value.is_(None), value == none, value == level) for value in values))
    told = case((Response.instrument_id == bindparam("instrument_id"), is_top))  # else NULL
    return full.with_only_columns(Response.submitted_at, Response.counter_id, Response.client_hash, told,
                                  maintain_column_froms=True)


def rating_of(instrument_row: InstrumentRow, values: dict[str, int | None], **where) -> signals.Rating:
    """Return what the signals look at in a new response."""
    instrument = of_row(instrument_row)
    return signals.Rating(
        pattern=tuple(values.get(item.code) for item in instrument.items),
        top=is_top(instrument, [values.get(item.code) for item in instrument.scored_items]),
        instrument_id=instrument_row.id,
        **where,
    )


def recent_ratings(
    session: Session, *, counter_id: int | None, kiosk_id: int | None = None, client_hash: str | None = None,
    since: datetime, newest: int | None = None,
) -> list[signals.Rating]:
    """Return the ratings of a counter, device or client submitted since a time (the oldest 2000, or
    only the `newest` few).
    """
    owners, parameters = owned({"counter_id": counter_id, "kiosk_id": kiosk_id, "client_hash": client_hash},
                               since=since, newest=newest)
    if not owners:
        return []
    # On the session's connection, not through the ORM: it runs on every submission.
    rows = session.connection().execute(recent_statement(owners, newest=bool(newest)), parameters).all()
    ratings = []
    for at, kiosk_id, counter_id, instrument_id, client, *values in rows:
        instrument = stored(session, instrument_id)  # not session.get: it would query again for every row
        pattern = tuple(values[item.slot - 1] for item in instrument.items)
        scored = [values[item.slot - 1] for item in instrument.scored_items]
        ratings.append(
            signals.Rating(
                at=aware(at),
                pattern=pattern,
                top=is_top(instrument, scored),
                kiosk_id=kiosk_id,
                counter_id=counter_id,
                instrument_id=instrument_id,
                client_hash=client,
            )
        )
    return ratings


def owned(where: dict[str, int | str | None], *, since: datetime,
          newest: int | None) -> tuple[tuple[str, ...], dict]:
    """Return the owner columns given a value (in a fixed order: statements are built per tuple) and
    the parameters of recent_statement's read (the oldest 2000 of the window, or the `newest` few).
    """
    owners = tuple(name for name, value in where.items() if value is not None)
    return owners, {name: where[name] for name in owners} | {"since": since, "limit": newest or 2000}


@cache
def recent_statement(owners: tuple[str, ...], *, newest: bool):
    """Return the query of recent ratings by some owner columns (built once: it runs on every submission).

    Each owner's ratings are found through its own index (the newest few: walked backwards, stopping
    early) and then merged: with an OR of owners the databases read the whole window under a flood
    (PostgreSQL sorting it, SQLite through the time index).
    """
    slots = Answer.__table__.c
    recent = (Response.submitted_at >= bindparam("since"),)
    per_owner = [select(Response.id).where(getattr(Response, name) == bindparam(name), *recent)
                 for name in owners]
    if newest:
        per_owner = [select(part.c.id) for part in (
            query.order_by(Response.submitted_at.desc()).limit(bindparam("limit")).subquery()
            for query in per_owner)]
    chosen = col(Response.id).in_(union(*per_owner) if len(per_owner) > 1 else per_owner[0])
    return (
        select(Response.submitted_at, Response.kiosk_id, Response.counter_id, Response.instrument_id,
               Response.client_hash, *(slots[name] for name in SLOT_COLUMNS))
        .join(Answer, Answer.response_id == Response.id)
        .where(chosen, *recent)
        .order_by(Response.submitted_at.desc() if newest else Response.submitted_at)
        .limit(bindparam("limit"))
    )


def is_top(instrument: Instrument, scored_values: list[int | None]) -> bool:
    """Tell whether every answered scored item sits at the instrument's top level."""
    top = top_level(instrument)
    answered = [value for value in scored_values if value]
    return bool(answered) and all(value == top for value in answered)


def top_level(instrument: Instrument) -> int:
    """Return the value of the instrument's top level."""
    return max(level.value for level in instrument.levels)
