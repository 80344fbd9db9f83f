"""Template filters of every page, registered in one place: numbers, percentages and times the local way."""

from datetime import UTC, datetime

from flask import Flask
from flask_babel import format_decimal

from survey.periods import LOCAL_OFFSET


def percent(fraction: float | None, digits: int = 2) -> str:
    """Format a fraction as a percentage the local way: 82,66% in Vietnamese."""
    if fraction is None or fraction != fraction:
        return "–"
    return format_decimal(100 * fraction, format=f"0.{'0' * digits}") + "%"


def number(value: int | None) -> str:
    """Format a whole number the local way (12.345 in Vietnamese)."""
    return "–" if value is None else format_decimal(value, format="#,##0")


def decimal1(value: float | None) -> str:
    """Format a number with one decimal the local way (7,7 in Vietnamese)."""
    return "–" if value is None else format_decimal(value, format="0.0")


def localtime(moment: datetime) -> str:
    """Format a UTC time in the province's local time (UTC+7)."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return (moment + LOCAL_OFFSET).strftime("%d/%m/%Y %H:%M")


def init_app(app: Flask) -> None:
    """Register the filters (Jinja's own filters keep their names)."""
    app.jinja_env.filters.update(percent=percent, number=number, decimal1=decimal1, localtime=localtime)
