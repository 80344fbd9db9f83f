"""Reporting periods in the province's local time (UTC+7), turned into UTC bounds for SQL."""

import re
import unicodedata
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

#: Offset of the province's local time (Indochina Time has no daylight saving).
LOCAL_OFFSET = timedelta(hours=7)
MONTH = re.compile(r"^(\d{4})-(\d{2})$")
QUARTER = re.compile(r"^(\d{4})-Q([1-4])$", re.IGNORECASE)
YEAR = re.compile(r"^(\d{4})$")
RANGE = re.compile(r"^(\d{4}-\d{2}-\d{2})\.\.(\d{4}-\d{2}-\d{2})$")
#: The Vietnamese ways of writing a period: "Quý 3/2026", "Q3/2026", "quý III năm 2026", "07/2026",
#: "tháng 7 năm 2026", "năm 2026", "01/07/2026-30/09/2026" (lower-cased before matching).
ROMAN_QUARTERS = {"i": "1", "ii": "2", "iii": "3", "iv": "4"}
SEPARATOR = r"\s*(?:/|-|\s)\s*(?:năm\s*)?"
VI_QUARTER = re.compile(rf"^(?:q|quý)\s*([1-4]|iv|iii|ii|i){SEPARATOR}(\d{{4}})$")
VI_MONTH = re.compile(rf"^(?:tháng\s*)?(\d{{1,2}}){SEPARATOR}(\d{{4}})$")
VI_YEAR = re.compile(r"^năm\s*(\d{4})$")
VI_DAY = r"(\d{1,2})/(\d{1,2})/(\d{4})"
VI_RANGE = re.compile(rf"^(?:từ\s*)?{VI_DAY}\s*(?:\.\.|-|–|đến)\s*{VI_DAY}$")


#: Years a period may touch: surveys under SIPAS began in 2017; beyond these bounds a date is a
#: typing error, and the UTC bounds of year 1 or 9999 overflow Python's dates.
FIRST_YEAR, LAST_YEAR = 2000, 2099


class PeriodError(ValueError):
    """A period text that is not a month, quarter, year or date range."""


@dataclass(frozen=True)
class Period:
    """Local calendar days [first, last], both included; `key` is the text that names it."""

    key: str
    kind: str
    first: date
    last: date

    @property
    def start_utc(self) -> datetime:
        """Return the UTC instant of local midnight starting the first day."""
        return datetime.combine(self.first, datetime.min.time(), UTC) - LOCAL_OFFSET

    @property
    def end_utc(self) -> datetime:
        """Return the UTC instant of local midnight after the last day (exclusive bound)."""
        return datetime.combine(self.last + timedelta(days=1), datetime.min.time(), UTC) - LOCAL_OFFSET

    def months(self) -> list[str]:
        """Return the local months ("2026-07") the period touches, in order."""
        months, year, month = [], self.first.year, self.first.month
        while (year, month) <= (self.last.year, self.last.month):
            months.append(f"{year:04d}-{month:02d}")
            year, month = (year + 1, 1) if month == 12 else (year, month + 1)
        return months


def local_today() -> date:
    """Return today's date in the province."""
    return (datetime.now(UTC) + LOCAL_OFFSET).date()


def month_end(year: int, month: int) -> date:
    """Return the last day of a month."""
    following = date(year + 1, 1, 1) if month == 12 else date(year, month + 1, 1)
    return following - timedelta(days=1)


def last_twelve_months(today: date | None = None) -> Period:
    """Return the twelve months ending with the current one (the default of the pages)."""
    today = today or local_today()
    year, month = (today.year - 1, today.month + 1) if today.month < 12 else (today.year, 1)
    first = date(year, month, 1)
    return Period(f"{first.isoformat()}..{today.isoformat()}", "range", first, today)


def canonical(text: str) -> str:
    """Rewrite the Vietnamese forms of a period as "2026", "2026-Q3", "2026-07" or "2026-07-01..2026-09-30".

    >>> [canonical(t) for t in ("Quý 3/2026", "Q3/2026", "quý III năm 2026", "07/2026", "Tháng 7 năm 2026")]
    ['2026-Q3', '2026-Q3', '2026-Q3', '2026-07', '2026-07']
    >>> canonical("01/07/2026 - 30/09/2026")
    '2026-07-01..2026-09-30'
    """
    folded = " ".join(unicodedata.normalize("NFC", text).lower().split())
    if match := VI_QUARTER.match(folded):
        return f"{match[2]}-Q{ROMAN_QUARTERS.get(match[1], match[1])}"
    if match := VI_MONTH.match(folded):
        return f"{match[2]}-{int(match[1]):02d}"
    if match := VI_YEAR.match(folded):
        return match[1]
    if match := VI_RANGE.match(folded):
        first, last = match.groups()[:3], match.groups()[3:]
        return "..".join(f"{y}-{int(m):02d}-{int(d):02d}" for d, m, y in (first, last))
    return text


def parse(text: str | None, *, today: date | None = None) -> Period:
    """Parse "2026", "2026-Q3", "2026-07" or "2026-07-01..2026-09-30"; empty gives the last 12 months.

    The Vietnamese forms ("Quý 3/2026", "Q3/2026", "07/2026", "01/07/2026-30/09/2026") are read too
    (see `canonical`); the period's key is always the canonical form.
    """
    text = canonical((text or "").strip())
    if not text:
        return last_twelve_months(today)
    period = parse_text(text)
    if period.first.year < FIRST_YEAR or period.last.year > LAST_YEAR:
        raise PeriodError(f"the period {text!r} lies outside the years {FIRST_YEAR}–{LAST_YEAR}")
    return period


def parse_text(text: str) -> Period:
    """Parse a non-empty period text (any year)."""
    try:
        if match := YEAR.match(text):
            year = int(match[1])
            return Period(text, "year", date(year, 1, 1), date(year, 12, 31))
        if match := QUARTER.match(text):
            year, quarter = int(match[1]), int(match[2])
            return Period(f"{year}-Q{quarter}", "quarter", date(year, 3 * quarter - 2, 1),
                          month_end(year, 3 * quarter))
        if match := MONTH.match(text):
            year, month = int(match[1]), int(match[2])
            return Period(text, "month", date(year, month, 1), month_end(year, month))
        if match := RANGE.match(text):
            first, last = date.fromisoformat(match[1]), date.fromisoformat(match[2])
            if last < first:
                raise PeriodError(f"the range {text!r} ends before it starts")
            return Period(text, "range", first, last)
    except ValueError as exc:
        raise PeriodError(f"not a valid period: {text!r} ({exc})") from exc
    raise PeriodError(f"not a period: {text!r}; use 2026, Q3/2026, 07/2026 or 01/07/2026-30/09/2026")


def shift_years(day: date, years: int) -> date:
    """Return the same calendar day `years` later (29 February becomes 28 February)."""
    try:
        return day.replace(year=day.year + years)
    except ValueError:
        return day.replace(year=day.year + years, day=28)


def year_before(period: Period) -> Period:
    """Return the same period one year earlier (the same month, quarter, year or days)."""
    first, last = shift_years(period.first, -1), shift_years(period.last, -1)
    if period.kind == "month":
        return parse(f"{first.year:04d}-{first.month:02d}")
    if period.kind == "quarter":
        return parse(f"{first.year:04d}-Q{(first.month + 2) // 3}")
    if period.kind == "year":
        return parse(f"{first.year:04d}")
    if period.last == month_end(period.last.year, period.last.month):
        last = month_end(last.year, last.month)  # a range ending on a month's end keeps ending on one
    return Period(f"{first.isoformat()}..{last.isoformat()}", "range", first, last)


def previous(period: Period) -> Period:
    """Return the period just before: the previous month, quarter or year, or as many days before."""
    if period.kind == "month":
        year, month = (period.first.year - 1, 12) if period.first.month == 1 else (
            period.first.year, period.first.month - 1)
        return parse(f"{year:04d}-{month:02d}")
    if period.kind == "quarter":
        quarter = (period.first.month + 2) // 3
        year = period.first.year
        return parse(f"{year - 1:04d}-Q4" if quarter == 1 else f"{year:04d}-Q{quarter - 1}")
    if period.kind == "year":
        return parse(f"{period.first.year - 1:04d}")
    last = period.first - timedelta(days=1)
    first = last - (period.last - period.first)
    return Period(f"{first.isoformat()}..{last.isoformat()}", "range", first, last)
