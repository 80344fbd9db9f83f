"""Rate limits and bursts of the citizen's survey (docs/security.md): junk cannot block a counter, a
busy centre behind one NAT address is served, every worker shares the counts in Redis, and bursts
of accepted top ratings are flagged however long each page was open."""

import uuid

import pytest
import redis
from sqlalchemy import func
from sqlmodel import select

from survey.db import get_engine
from survey.models import Response
from tests.helpers import D1, aged_ticket, answers, app_with

COUNTERS = ["/c/token-d1-0123456789", "/c/token-d2-0123456789", "/c/token-h-0123456789",
            "/c/token-h-01-0123456789", "/c/token-h-02-0123456789"]
REDIS_URL = "redis://127.0.0.1:6379"


@pytest.fixture
def limited(app):
    """Return an app on the same database with the default rate limits switched on (memory)."""
    limited = app_with(app, {"RATELIMIT_ENABLED": True, "RATELIMIT_STORAGE_URI": "memory://"})
    yield limited
    get_engine(limited).dispose()


def client_at(app, address: str):
    client = app.test_client()
    client.environ_base["REMOTE_ADDR"] = address
    return client


def stored(session) -> list[Response]:
    session.rollback()
    return list(session.exec(select(Response).order_by(Response.id)).all())


def test_junk_posts_from_one_client_cannot_block_a_counter(limited, session, province):
    flooder = client_at(limited, "203.0.113.9")
    statuses = [flooder.post(D1, data={}).status_code for _ in range(45)]
    # RATELIMIT_SURVEY_INVALID: 20 refused POSTs a minute per address, then 429 for that address.
    assert statuses[:20] == [422] * 20 and set(statuses[20:]) == {429}
    for number in range(4):  # citizens at other addresses are not blocked by the junk
        citizen = client_at(limited, f"198.51.100.{number + 1}")
        assert citizen.post(D1, data=answers() | {"ticket": aged_ticket(limited)}).status_code == 303
    assert len(stored(session)) == 4


def test_a_busy_centre_behind_one_nat_address_is_served(limited, session, province):
    nat = client_at(limited, "203.0.113.50")
    # 50 citizens in one minute on five counters, all from the centre's one public address.
    statuses = [nat.post(COUNTERS[number % 5], data=answers(value=4) | {"ticket": aged_ticket(limited)})
                .status_code for number in range(50)]
    assert statuses == [303] * 50
    assert len(stored(session)) == 50


def test_a_counter_limit_counts_only_accepted_submissions(app, session, province):
    limited = app_with(app, {"RATELIMIT_ENABLED": True, "RATELIMIT_STORAGE_URI": "memory://",
                             "RATELIMIT_SURVEY_COUNTER": "3 per minute"})
    client = client_at(limited, "198.51.100.20")
    for _ in range(5):
        assert client.post(D1, data={"ticket": aged_ticket(limited)}).status_code == 422
    for _ in range(3):
        assert client.post(D1, data=answers() | {"ticket": aged_ticket(limited)}).status_code == 303
    assert client.post(D1, data=answers() | {"ticket": aged_ticket(limited)}).status_code == 429
    get_engine(limited).dispose()


def redis_or_skip() -> None:
    try:
        redis.Redis.from_url(REDIS_URL, socket_connect_timeout=1).ping()
    except redis.exceptions.ConnectionError:
        pytest.skip("no Redis on 127.0.0.1:6379 (.ci/run starts Debian's redis-server)")


def test_workers_share_the_limits_in_redis(app, session, province):
    redis_or_skip()
    prefix = f"hailong-test-{uuid.uuid4().hex}"
    settings = {"RATELIMIT_ENABLED": True, "RATELIMIT_STORAGE_URI": REDIS_URL, "RATELIMIT_KEY_PREFIX": prefix,
                "RATELIMIT_SURVEY_COUNTER": "3 per minute", "RATELIMIT_SURVEY_INVALID": "2 per minute"}
    workers = [app_with(app, settings), app_with(app, settings)]  # two processes behind one balancer
    first, second = (client_at(worker, "198.51.100.30") for worker in workers)
    try:
        assert first.post(D1, data={}).status_code == 422
        assert second.post(D1, data={}).status_code == 422
        assert first.post(D1, data={}).status_code == 429  # refused POSTs: 2 a minute over both
        other = [client_at(worker, "198.51.100.31") for worker in workers]
        accepted = [other[number % 2].post(D1, data=answers() | {"ticket": aged_ticket(app)}).status_code
                    for number in range(4)]
        assert accepted == [303, 303, 303, 429]  # the counter's 3 a minute, counted across workers
        keys = {key.decode() for key in redis.Redis.from_url(REDIS_URL).scan_iter(f"*/{prefix}/*")}
        counter = f"LIMITS:LIMITER/{prefix}/counter:token-d1-0123456789/respond.counter_survey/3/1/minute"
        assert counter in keys
    finally:
        store = redis.Redis.from_url(REDIS_URL)
        for key in store.scan_iter(f"*/{prefix}/*"):
            store.delete(key)
        for worker in workers:
            get_engine(worker).dispose()
    assert len(stored(session)) == 3


def test_a_burst_of_top_ratings_on_one_counter_is_flagged(app, client, session, province):
    # Tickets fetched in advance, the fill time waited out: each looks calm, the counter sees a burst.
    tickets = [aged_ticket(app, seconds=600) for _ in range(6)]
    for ticket in tickets:
        assert client.post(D1, data=answers() | {"ticket": ticket}).status_code == 303
    rows = stored(session)
    assert [row.suspicious for row in rows] == [False] * 4 + [True] * 2  # SIGNALS_BURST_COUNT 5 in 60 s
    assert rows[-1].suspicious_reason == "burst"


def test_a_burst_from_one_client_over_many_counters_is_flagged(app, client, session, province):
    for number in range(10):  # two top ratings per counter: no counter sees a burst
        response = client.post(COUNTERS[number % 5], data=answers() | {"ticket": aged_ticket(app)})
        assert response.status_code == 303
    other = app.test_client()
    other.environ_base["REMOTE_ADDR"] = "198.51.100.99"
    assert other.post(COUNTERS[0], data=answers(value=4) | {"ticket": aged_ticket(app)}).status_code == 303
    rows = stored(session)
    assert [row.suspicious for row in rows] == [False] * 9 + [True, False]  # SIGNALS_CLIENT_BURST_COUNT 10
    assert session.exec(select(func.count()).select_from(Response).where(Response.suspicious)).one() == 1
