"""Every response whose thank-you redirect arrived survives a SIGKILL of the server."""

import http.client
import threading
import time

import pytest
from sqlmodel import select

from survey.models import Response
from survey.web.submission import read_ticket
from tests.helpers import D1, aged_ticket, answers
from tests.server import free_port, gunicorn, kill, request

pytestmark = pytest.mark.slow

#: Server lives in the test: each ends with a SIGKILL while submissions are in flight.
LIVES = 2
#: Acknowledged submissions each life waits for before its SIGKILL (requests stay in flight),
#: and the most a life may wait for them on a slow, loaded machine.
ACKS_PER_LIFE = 20
MAX_LIFE_SECONDS = 30.0


def submit_forever(port_box: list[int], tickets: list[str], acknowledged: list[str], stop: threading.Event):
    """Post responses one after another; remember the keys whose 303 arrived."""
    form = answers()
    for ticket in tickets:
        if stop.is_set():
            return
        try:
            status, location = request(port_box[0], "POST", D1, form | {"ticket": ticket}, timeout=2)
        except (OSError, http.client.HTTPException):
            # The server is down, or died mid-answer: a citizen's browser would show an error.
            time.sleep(0.02)
            continue
        if status == 303 and location.endswith("/thanks"):
            acknowledged.append(ticket)


def test_acknowledged_responses_survive_sigkill(app, session, province):
    tickets = [aged_ticket(app) for _ in range(3000)]
    acknowledged: list[str] = []
    stop = threading.Event()
    port_box = [free_port()]
    per_life = []
    threads = []
    for life in range(LIVES):
        with gunicorn(database_url=app.config["DATABASE_URL"], secret_key=app.secret_key,
                      port=port_box[0]) as server:
            if life == 0:
                threads = [
                    threading.Thread(target=submit_forever,
                                     args=(port_box, tickets[i::2], acknowledged, stop))
                    for i in range(2)
                ]
                for thread in threads:
                    thread.start()
            before = len(acknowledged)
            deadline = time.monotonic() + MAX_LIFE_SECONDS
            while len(acknowledged) - before < ACKS_PER_LIFE and time.monotonic() < deadline:
                time.sleep(0.01)
            kill(server)  # SIGKILL while requests are in flight
            per_life.append(len(acknowledged) - before)
    stop.set()
    for thread in threads:
        thread.join(timeout=10)
    assert all(count >= ACKS_PER_LIFE for count in per_life), per_life
    with app.test_request_context():
        keys = {read_ticket(ticket).key for ticket in acknowledged}
    session.rollback()
    stored = set(session.exec(select(Response.idempotency_key)).all())
    assert keys - stored == set(), f"{len(keys - stored)} acknowledged responses were lost"
