"""Template filters of every page, registered in one place: numbers, percentages and times the local way."""

from datetime import UTC, datetime
from decimal import Decimal
from functools import cache

from babel import Locale, numbers
from flask import Flask
from flask_babel import get_locale

from survey.periods import LOCAL_OFFSET
from survey.web.i18n import once_per_request


@cache
def separators(locale: str | None) -> dict[int, str]:
    """Return str.translate's table from Python's separators (, and .) to a locale's (group, decimal)."""
    parsed = Locale.parse(locale)
    return {ord(","): numbers.get_group_symbol(parsed), ord("."): numbers.get_decimal_symbol(parsed),
            ord("-"): numbers.get_minus_sign_symbol(parsed)}


def local_decimal(value: float | int, digits: int, *, grouped: bool = False) -> str:
    """Format a number with `digits` decimals the locale's way, as Babel's format_decimal does
    (the shortest decimal that reads back as the value, rounded half to even), without parsing a
    pattern on every call: a score page formats over a thousand numbers.
    """
    rounded = Decimal(str(value)).quantize(Decimal(1).scaleb(-digits))
    text = f"{rounded:,.{digits}f}" if grouped else f"{rounded:.{digits}f}"
    return text.translate(request_separators())


def request_separators() -> dict[int, str]:
    """Return `separators` of the request's locale, looked up once per request (a page formats thousands)."""
    return once_per_request("number_separators", locale_separators)


def locale_separators() -> dict[int, str]:
    """Return `separators` of the locale Flask-Babel selects now (Babel's default outside a request)."""
    locale = get_locale()
    return separators(numbers.LC_NUMERIC if locale is None else str(locale))


def percent(fraction: float | None, digits: int = 2) -> str:
    """Format a fraction as a percentage the local way: 82,66% in Vietnamese."""
    if fraction is None or fraction != fraction:
        return "–"
    return local_decimal(100 * fraction, digits) + "%"


def number(value: int | None) -> str:
    """Format a whole number the local way (12.345 in Vietnamese)."""
    return "–" if value is None else local_decimal(value, 0, grouped=True)


def decimal1(value: float | None) -> str:
    """Format a number with one decimal the local way (7,7 in Vietnamese)."""
    return "–" if value is None else local_decimal(value, 1)


def localtime(moment: datetime) -> str:
    """Format a UTC time in the province's local time (UTC+7)."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return (moment + LOCAL_OFFSET).strftime("%d/%m/%Y %H:%M")


def init_app(app: Flask) -> None:
    """Register the filters (Jinja's own filters keep their names)."""
    app.jinja_env.filters.update(percent=percent, number=number, decimal1=decimal1, localtime=localtime)
