"""The rating-stuffing signals, decided from plain values (no database)."""

from datetime import UTC, datetime, time, timedelta

import pytest

from survey.core import signals
from survey.core.signals import Rating, Thresholds, decide

#: A Tuesday, 10:00 in Vietnam (03:00 UTC): inside opening hours.
OPEN = datetime(2026, 3, 3, 3, 0, tzinfo=UTC)


def top(at: datetime, *, kiosk: int | None = 1, counter: int | None = 7) -> Rating:
    return Rating(at=at, pattern=(3, None), top=True, kiosk_id=kiosk, counter_id=counter, instrument_id=1)


def low(at: datetime, *, kiosk: int | None = 1, counter: int | None = 7) -> Rating:
    return Rating(at=at, pattern=(1, 0), top=False, kiosk_id=kiosk, counter_id=counter, instrument_id=1)


def test_a_lone_rating_in_opening_hours_is_clean():
    assert decide(top(OPEN), []) is None


def test_ratings_closer_than_the_device_interval_are_flagged():
    earlier = top(OPEN - timedelta(seconds=4))
    assert decide(low(OPEN), [earlier], min_interval_seconds=10) == "interval"
    assert decide(low(OPEN), [earlier], min_interval_seconds=3) is None
    assert decide(low(OPEN), [earlier], min_interval_seconds=0) is None


def test_the_interval_is_per_device():
    other_device = top(OPEN - timedelta(seconds=1), kiosk=2)
    assert decide(low(OPEN), [other_device], min_interval_seconds=10) is None


def test_later_rows_than_the_new_one_are_ignored():
    later = top(OPEN + timedelta(seconds=1))
    assert decide(low(OPEN), [later], min_interval_seconds=10) is None


def test_a_burst_of_top_ratings_on_one_counter_is_flagged_at_the_fifth():
    recent = [top(OPEN - timedelta(seconds=s), kiosk=None) for s in (50, 40, 30)]
    new = top(OPEN, kiosk=None)
    assert decide(new, recent) is None  # four tops in a minute: not yet
    recent.append(top(OPEN - timedelta(seconds=20), kiosk=None))
    assert decide(new, recent) == "burst"


def test_a_burst_needs_top_ratings_within_the_window():
    old = [top(OPEN - timedelta(seconds=s), kiosk=None) for s in (61, 70, 80, 90)]
    assert decide(top(OPEN, kiosk=None), old) is None
    mixed = [low(OPEN - timedelta(seconds=s), kiosk=None) for s in (5, 10, 15, 20)]
    assert decide(top(OPEN, kiosk=None), mixed) is None
    tops = [top(OPEN - timedelta(seconds=s), kiosk=None) for s in (5, 10, 15, 20)]
    assert decide(low(OPEN, kiosk=None), tops) is None


def test_a_burst_on_one_device_counts_across_counters():
    recent = [top(OPEN - timedelta(seconds=s), counter=c) for s, c in ((40, 1), (30, 2), (20, 3), (10, 4))]
    assert decide(top(OPEN, counter=5), recent, min_interval_seconds=5) == "burst"


@pytest.mark.parametrize(
    ("local", "outside"),
    [
        (datetime(2026, 3, 3, 6, 59), True),  # Tuesday before opening
        (datetime(2026, 3, 3, 7, 0), False),
        (datetime(2026, 3, 3, 17, 29), False),
        (datetime(2026, 3, 3, 17, 30), True),  # closing time itself is closed
        (datetime(2026, 3, 7, 9, 0), False),  # Saturday
        (datetime(2026, 3, 8, 9, 0), True),  # Sunday
    ],
)
def test_opening_hours_are_judged_in_vietnam_time(local, outside):
    at = (local - timedelta(hours=7)).replace(tzinfo=UTC)
    assert signals.outside_opening_hours(at, Thresholds()) is outside
    assert (decide(low(at), []) == "off-hours") is outside


def test_repeated_long_patterns_at_a_counter_are_flagged():
    pattern = (5, 5, 4, 5, 5, 0)
    same = [Rating(OPEN - timedelta(minutes=m), pattern, False, None, 7, 2) for m in (10, 20, 30)]
    new = Rating(OPEN, pattern, False, None, 7, 2)
    assert decide(new, same) == "repeated-pattern"
    assert decide(new, same[:2]) is None
    other_instrument = [Rating(r.at, r.pattern, False, None, 7, 3) for r in same]
    assert decide(new, other_instrument) is None
    too_old = [Rating(OPEN - timedelta(minutes=m), pattern, False, None, 7, 2) for m in (61, 70, 80)]
    assert decide(new, too_old) is None


def test_short_patterns_never_count_as_repeats():
    same = [low(OPEN - timedelta(minutes=m), kiosk=None) for m in (10, 20, 30, 40)]
    assert decide(low(OPEN, kiosk=None), same) is None


def test_several_reasons_are_listed_together():
    at = datetime(2026, 3, 8, 2, 0, tzinfo=UTC)  # Sunday
    recent = [top(at - timedelta(seconds=s)) for s in (8, 6, 4, 2)]
    assert decide(top(at), recent, min_interval_seconds=10) == "interval, burst, off-hours"


def test_thresholds_come_from_the_settings():
    config = {
        "SIGNALS_OPENING_HOURS": "00:00-24:00",
        "SIGNALS_OPEN_DAYS": "Mon-Sun",
        "SIGNALS_BURST_COUNT": 3,
        "SIGNALS_BURST_SECONDS": 10,
    }
    thresholds = signals.thresholds_from(config)
    assert thresholds.opens == time(0) and thresholds.closes == time.max
    assert thresholds.open_days == frozenset(range(7))
    sunday_night = datetime(2026, 3, 8, 16, 30, tzinfo=UTC)  # 23:30 local
    assert not signals.outside_opening_hours(sunday_night, thresholds)
    recent = [top(OPEN - timedelta(seconds=s)) for s in (9, 5)]
    assert decide(top(OPEN), recent, thresholds=thresholds) == "burst"
    assert signals.thresholds_from({}) == Thresholds()
