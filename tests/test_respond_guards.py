"""CSRF with the survey's long time limit, and rate limits that keep the citizen's answers."""

import time

import pytest
from sqlalchemy import func
from sqlmodel import select

from survey import create_app
from survey.db import get_engine
from survey.models import Response
from tests.helpers import D1, aged_ticket, answers, checked, hidden


def count(session) -> int:
    session.rollback()  # a new snapshot: see what the server committed since
    return session.exec(select(func.count()).select_from(Response)).one()


def test_csrf_enabled_accepts_the_page_token_and_refuses_a_missing_one(app, client, session, province):
    app.config.update(WTF_CSRF_ENABLED=True, WTF_CSRF_TIME_LIMIT=1)
    page = client.get(D1).text
    token = hidden(page, "csrf_token")
    data = answers() | {"ticket": aged_ticket(app)}
    refused = client.post(D1, data=data)
    assert refused.status_code == 422
    assert "Trang này đã mở quá lâu" in refused.text and checked(refused.text, "A1") == "5"
    assert count(session) == 0
    time.sleep(2)  # older than the global WTF_CSRF_TIME_LIMIT: the survey's own limit applies
    accepted = client.post(D1, data=data | {"csrf_token": token})
    assert accepted.status_code == 303
    assert count(session) == 1


def test_csrf_token_older_than_the_survey_limit_keeps_answers(app, client, session, province):
    app.config.update(WTF_CSRF_ENABLED=True, SURVEY_CSRF_TIME_LIMIT=1)
    token = hidden(client.get(D1).text, "csrf_token")
    time.sleep(2)
    data = answers() | {"ticket": aged_ticket(app), "csrf_token": token, "B1": "3"}
    page = client.post(D1, data=data)
    assert page.status_code == 422 and checked(page.text, "B1") == "3"
    assert hidden(page.text, "ticket") == data["ticket"]
    fresh = hidden(page.text, "csrf_token")
    assert client.post(D1, data=data | {"csrf_token": fresh}).status_code == 303
    assert count(session) == 1


@pytest.fixture
def limited(app):
    """Return a second app on the same database with small rate limits switched on."""
    keep = ("TESTING", "SECRET_KEY", "DATABASE_URL", "WTF_CSRF_ENABLED", "PUBLIC_BASE_URL",
            "SESSION_COOKIE_SECURE")
    limited = create_app(
        {name: app.config[name] for name in keep}
        | {"RATELIMIT_ENABLED": True, "RATELIMIT_SURVEY_COUNTER": "2 per minute",
           "RATELIMIT_SURVEY_CLIENT": "3 per minute"}
    )
    yield limited
    get_engine(limited).dispose()


def test_rate_limit_keeps_the_answers_and_asks_to_retry(limited, session, province):
    client = limited.test_client()
    for _ in range(2):
        assert client.post(D1, data=answers() | {"ticket": aged_ticket(limited)}).status_code == 303
    data = answers() | {"ticket": aged_ticket(limited), "C2": "1", "comment": "Quầy đông"}
    busy = client.post(D1, data=data)
    assert busy.status_code == 429 and busy.headers["Retry-After"] == "60"
    assert "vui lòng bấm Gửi lại sau một phút" in busy.text
    assert checked(busy.text, "C2") == "1" and "Quầy đông</textarea>" in busy.text
    assert hidden(busy.text, "ticket") == data["ticket"]  # the retry cannot make a second response
    assert count(session) == 2
    # Another counter still has room, until the client's own limit (3 a minute;
    # refused requests do not count) is reached.
    other = "/c/token-d2-0123456789"
    assert client.post(other, data=answers() | {"ticket": aged_ticket(limited)}).status_code == 303
    assert client.post(other, data=answers() | {"ticket": aged_ticket(limited)}).status_code == 429
    assert client.get(D1).status_code == 200  # reading the form is never limited
    assert count(session) == 3
