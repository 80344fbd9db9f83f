"""Reporting periods in local time (UTC+7) and their UTC bounds."""

from datetime import UTC, date, datetime

import pytest

from survey.periods import PeriodError, parse, previous, year_before


def test_a_month_starts_at_local_midnight_which_is_17_utc_the_day_before():
    july = parse("2026-07")
    assert (july.first, july.last) == (date(2026, 7, 1), date(2026, 7, 31))
    assert july.start_utc == datetime(2026, 6, 30, 17, 0, tzinfo=UTC)
    assert july.end_utc == datetime(2026, 7, 31, 17, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("text", "first", "last", "months"),
    [
        ("2026", date(2026, 1, 1), date(2026, 12, 31), 12),
        ("2026-Q3", date(2026, 7, 1), date(2026, 9, 30), 3),
        ("2026-q1", date(2026, 1, 1), date(2026, 3, 31), 3),
        ("2024-02", date(2024, 2, 1), date(2024, 2, 29), 1),
        ("2025-12-15..2026-01-10", date(2025, 12, 15), date(2026, 1, 10), 2),
    ],
)
def test_periods_parse(text, first, last, months):
    period = parse(text)
    assert (period.first, period.last, len(period.months())) == (first, last, months)


def test_empty_means_the_last_twelve_months():
    period = parse("", today=date(2026, 11, 22))
    assert (period.first, period.last) == (date(2025, 12, 1), date(2026, 11, 22))
    assert period.months()[0] == "2025-12" and period.months()[-1] == "2026-11" and len(period.months()) == 12


@pytest.mark.parametrize(
    "text", ["2026-13", "26", "2026-Q5", "2026-07-10..2026-07-01", "July", "2026-02-30..2026-03-01"]
)
def test_bad_periods_are_refused_with_the_text_echoed(text):
    with pytest.raises(PeriodError, match="period|range"):
        parse(text)


@pytest.mark.parametrize(
    ("text", "key"),
    [("Q3/2026", "2026-Q3"), ("Quý 3/2026", "2026-Q3"), ("quý 3 năm 2026", "2026-Q3"),
     ("Quý III/2026", "2026-Q3"), ("07/2026", "2026-07"), ("7/2026", "2026-07"),
     ("Tháng 7 năm 2026", "2026-07"), ("Năm 2026", "2026"),
     ("01/07/2026 - 30/09/2026", "2026-07-01..2026-09-30"),
     ("từ 01/07/2026 đến 30/09/2026", "2026-07-01..2026-09-30")],
)
def test_vietnamese_period_forms_are_read_to_their_canonical_key(text, key):
    assert parse(text).key == key


@pytest.mark.parametrize("text", ["13/2026", "Q5/2026", "Quý 0/2026", "31/02/2026 - 01/03/2026"])
def test_vietnamese_forms_out_of_range_are_refused(text):
    with pytest.raises(PeriodError):
        parse(text)


@pytest.mark.parametrize(
    ("text", "before", "last_year"),
    [("2026-07", "2026-06", "2025-07"), ("2026-01", "2025-12", "2025-01"), ("2026-Q1", "2025-Q4", "2025-Q1"),
     ("2026-Q3", "2026-Q2", "2025-Q3"), ("2026", "2025", "2025"),
     ("2026-07-11..2026-07-20", "2026-07-01..2026-07-10", "2025-07-11..2025-07-20"),
     ("2024-02-01..2024-02-29", "2024-01-03..2024-01-31", "2023-02-01..2023-02-28")],
)
def test_comparison_periods(text, before, last_year):
    period = parse(text)
    assert previous(period).key == before and year_before(period).key == last_year
