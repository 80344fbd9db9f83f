"""A web form's burst check has the database tell which recent ratings are top (stuffing.recent_tops):
the same answer as the Python rule (stuffing.is_top) over the same rows, whatever was left unanswered."""

from datetime import timedelta

import pytest

from survey import instruments
from survey.core import stuffing
from survey.core.responses import record_response
from survey.models import Channel, utcnow

CLIENT = "c" * 32


@pytest.fixture(autouse=True)
def context(app):
    """Run in the app's context: instrument versions are remembered per app."""
    with app.app_context():
        yield


def store(session, province, code: str, values: dict, at) -> None:
    """Store one response of the D1 counter from CLIENT through the app's write path."""
    record_response(session, instrument_row=province.instruments[code], unit_id=province.units["D1"].id,
                    channel=Channel.COUNTER_QR, counter_id=province.counters["D1"].id, values=values,
                    idempotency_key=f"key-{at.timestamp()}", client_hash=CLIENT, submitted_at=at)


def sipas(changes: dict[int, int | None] | None = None, *, rest: int | None = 5) -> dict:
    """Return a SIPAS response: every scored item `rest`, the items at some positions changed
    (None: not asked, 0: no opinion)."""
    items = [item.code for item in instruments.load(instruments.SIPAS).scored_items]
    return {code: rest for code in items} | {items[index]: value for index, value in (changes or {}).items()}


MIXES = [sipas(), sipas({0: 0}), sipas({0: None, 3: None}), sipas({5: 4}), sipas({2: 1, 7: 0}),
         sipas(rest=0), sipas({0: 5}, rest=None), sipas(rest=None)]


def tops(session, province, since) -> list[tuple]:
    """Return (time, top, counter, client) of the recent ratings as the database tells top."""
    told = stuffing.recent_tops(session, province.instruments[instruments.SIPAS].id,
                                instruments.load(instruments.SIPAS), counter_id=province.counters["D1"].id,
                                client_hash=CLIENT, since=since)
    return sorted((r.at, r.top, r.counter_id, r.client_hash) for r in told)


def ruled(session, province, since) -> list[tuple]:
    """Return the same as the Python rule tells top, over every answer of the rows."""
    found = stuffing.recent_ratings(session, counter_id=province.counters["D1"].id, client_hash=CLIENT,
                                    since=since)
    return sorted((r.at, r.top, r.counter_id, r.client_hash) for r in found)


def test_the_database_tells_top_as_the_python_rule_does(session, province, monkeypatch):
    start = utcnow() - timedelta(seconds=30)
    for number, values in enumerate(MIXES):
        store(session, province, instruments.SIPAS, values, start + timedelta(seconds=number))
    session.commit()
    since = start - timedelta(seconds=1)
    expected = ruled(session, province, since)
    assert [top for _, top, *_ in expected] == [True, True, True, False, False, False, True, False]
    # Told by the database alone: no row sent the read to the Python rule.
    monkeypatch.setattr(stuffing, "recent_ratings", lambda *args, **kwargs: pytest.fail("fell back"))
    assert tops(session, province, since) == expected


def test_a_rating_of_another_instrument_among_them_is_read_by_the_python_rule(session, province):
    start = utcnow() - timedelta(seconds=30)
    store(session, province, instruments.SIPAS, sipas(), start)
    quick = {item.code: 3 for item in instruments.load(instruments.QUICK).scored_items}
    store(session, province, instruments.QUICK, quick, start + timedelta(seconds=1))
    store(session, province, instruments.SIPAS, sipas({0: 3}), start + timedelta(seconds=2))
    session.commit()
    since = start - timedelta(seconds=1)
    told = tops(session, province, since)
    assert told == ruled(session, province, since)
    assert [top for _, top, *_ in told] == [True, True, False]  # the quick rating's 3 is its top
