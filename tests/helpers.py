"""Helpers shared by the test modules (no test module imports another): sign-in, manager routes,
survey forms, API credentials, the audit log and the PostgreSQL pass."""

import os
import re
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import event
from sqlmodel import select

from survey import instruments
from survey.core import devices
from survey.models import ApiKey, AuditEvent, KioskDevice, Tally
from survey.scores import tally
from survey.web.submission import make_ticket
from tests.factories import PASSWORD


@contextmanager
def statements_sent(engine) -> Iterator[list[tuple[str, object]]]:
    """Record every statement the engine sends inside the block, with its parameters, as sent."""
    sent: list[tuple[str, object]] = []

    def record(_connection, _cursor, statement, parameters, *_args) -> None:
        sent.append((statement, parameters))

    event.listen(engine, "before_cursor_execute", record)
    try:
        yield sent
    finally:
        event.remove(engine, "before_cursor_execute", record)


def stored_respondents(session, grain: str) -> int:
    """Return the respondents of every stored tally group of a grain (each row's first sum)."""
    rows = session.execute(select(Tally.instrument_id, Tally.sums).where(Tally.grain == grain)).all()
    widths = tally.widths(session.connection())
    return sum(int(tally.decode(sums, widths[instrument])[0]) for instrument, sums in rows)


def sign_in(client, username: str) -> None:
    """Sign a test user in (CSRF is off in the test config)."""
    response = client.post("/login", data={"username": username, "password": PASSWORD})
    assert response.status_code == 303, response.data


#: Every manager route that names a unit; "{code}" is replaced by a unit code.
UNIT_ROUTES = [
    "/manage/unit/{code}",
    "/manage/unit/{code}/report",
    "/manage/unit/{code}/report.docx",
    "/manage/unit/{code}/compare",
    "/manage/unit/{code}/ranking",
    "/manage/unit/{code}/funnel.svg",
    "/manage/unit/{code}/trend.svg",
    "/manage/unit/{code}/export.csv",
    "/manage/unit/{code}/export.xlsx",
]
#: Manager routes of the user's own scope (they take no unit).
SCOPE_ROUTES = ["/manage/", "/manage/export.csv", "/manage/export.xlsx"]

#: The counter survey of unit D1 in the small province (tests/factories.py).
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


#: Every scope an integrator key can have.
ALL_SCOPES = "receipts:write responses:write dossiers:write scores:read"


def make_key(session, unit, scopes: str = ALL_SCOPES) -> str:
    """Store an integrator key for a unit subtree; return the secret."""
    secret, prefix, key_hash = devices.new_api_key()
    session.add(ApiKey(name="Một cửa", prefix=prefix, key_hash=key_hash, scopes=scopes, unit_id=unit.id))
    session.commit()
    return secret


def make_kiosk(session, counter) -> str:
    """Store an enrolled kiosk at a counter; return its credential."""
    credential = "kiosk-credential-" + uuid.uuid4().hex
    session.add(KioskDevice(counter_id=counter.id, name="Tab", credential_hash=devices.digest(credential),
                            min_interval_seconds=0))
    session.commit()
    return credential


def bearer(secret: str) -> dict:
    """Return the Authorization header of an API key or kiosk credential."""
    return {"Authorization": f"Bearer {secret}"}


def events(session, action: str, entity: str) -> list[AuditEvent]:
    session.commit()  # end the read snapshot (objects stay loaded): the app committed elsewhere
    query = select(AuditEvent).where(AuditEvent.action == action, AuditEvent.entity == entity)
    return list(session.exec(query).all())


def postgres_url() -> str | None:
    """Return the PostgreSQL URL of this test run, if any."""
    return os.environ.get("TEST_DATABASE_URL")


def worker_schema_url(url: str, worker: str) -> str:
    """Give each pytest-xdist worker its own PostgreSQL schema."""
    separator = "&" if "?" in url else "?"
    return f"{url}{separator}options=-csearch_path%3Dtest_{worker}"


def app_with(app, settings: dict):
    """Return a second app on the same database as `app`, with these settings on top."""
    from survey import create_app

    keep = ("TESTING", "SECRET_KEY", "DATABASE_URL", "WTF_CSRF_ENABLED", "PUBLIC_BASE_URL",
            "SESSION_COOKIE_SECURE")
    return create_app({name: app.config[name] for name in keep} | settings)
