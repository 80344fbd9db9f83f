"""Helpers for the survey tests: fill a form as a citizen would, read hidden fields back."""

import re
import time

from survey import instruments
from survey.web.submission import make_ticket

D1 = "/c/token-d1-0123456789"


def answers(code: str = "sipas-service", value: int | None = None) -> dict[str, str]:
    """Return form data answering every item: ratings with one level (the top by default)."""
    instrument = instruments.load(code)
    data = {}
    for item in instrument.items:
        if item.kind == "rating":
            data[item.code] = str(instrument.levels[0].value if value is None else value)
        elif item.kind == "points":
            data[item.code] = str(item.options[0].value)
    return data


def hidden(html: str, name: str) -> str:
    """Return the value of a hidden input in a page."""
    match = re.search(rf'name="{name}" type="hidden" value="([^"]*)"', html)
    assert match, f"no hidden field {name!r}"
    return match.group(1)


def aged_ticket(app, seconds: float = 120, key: str | None = None) -> str:
    """Return a ticket as if the page had been rendered `seconds` ago."""
    with app.test_request_context():
        return make_ticket(key, time.time() - seconds)


def checked(html: str, name: str) -> str | None:
    """Return the value of the checked radio of a group, if any."""
    for tag in re.findall(rf'<input[^>]*name="{name}"[^>]*>', html):
        if " checked" in tag:
            return re.search(r'value="([^"]*)"', tag).group(1)
    return None
