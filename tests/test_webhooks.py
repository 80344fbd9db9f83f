"""Webhooks: registered per subtree, queued with their cause, signed, retried with back-off."""

import hashlib
import hmac
import json
import re
import threading
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from sqlmodel import Session, select

from survey.core.webhooks import backoff, deliver_due
from survey.db import get_engine
from survey.models import KioskDevice, WebhookDelivery, utcnow
from tests.factories import verdict_mix
from tests.helpers import D1, aged_ticket, answers, sign_in


class Receiver(BaseHTTPRequestHandler):
    """Answers 500 to the first `failures` requests, then 204; keeps what it was sent."""

    failures = 2
    received: list[dict] = []

    def do_POST(self):  # noqa: N802 - the http.server API
        body = self.rfile.read(int(self.headers["Content-Length"]))
        Receiver.received.append({"headers": {k.lower(): v for k, v in self.headers.items()}, "body": body})
        failing = len(Receiver.received) <= Receiver.failures
        self.send_response(500 if failing else 204)
        self.end_headers()

    def log_message(self, *_args):
        """Stay quiet."""


@pytest.fixture
def receiver():
    """Run a real HTTP receiver on 127.0.0.1; yield its URL."""
    Receiver.received, Receiver.failures = [], 2
    server = ThreadingHTTPServer(("127.0.0.1", 0), Receiver)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/hailong"
    server.shutdown()
    server.server_close()


def register(client, province, url: str, events=("response.stored", "kiosk.retired")) -> str:
    """Register a webhook for the whole province; return its secret as shown once."""
    page = client.post("/admin/webhooks", data={"url": url, "unit": province.root.id, "events": list(events)})
    assert page.status_code == 200, page.text
    return re.search(r'<code id="new-secret">([^<]+)</code>', page.text)[1]


def deliver(app, now) -> dict:
    """Run one delivery pass at a given time."""
    with app.app_context(), Session(get_engine(), expire_on_commit=False) as session:
        return deliver_due(session, now=now)


def test_a_receiver_failing_twice_gets_the_event_on_the_third_attempt(app, client, session, province,
                                                                         receiver):
    app.config["WEBHOOKS_ALLOW_LOOPBACK_HTTP"] = True
    sign_in(client, "admin")
    secret = register(client, province, receiver)
    client.post(D1, data=answers() | {"ticket": aged_ticket(app)})
    start = utcnow()
    assert deliver(app, start) == {"delivered": 0, "retrying": 1, "failed": 0}
    assert deliver(app, start + timedelta(seconds=29)) == {"delivered": 0, "retrying": 0, "failed": 0}
    assert deliver(app, start + backoff(1)) == {"delivered": 0, "retrying": 1, "failed": 0}
    assert deliver(app, start + backoff(1) + backoff(2) - timedelta(seconds=1))["retrying"] == 0
    assert deliver(app, start + backoff(1) + backoff(2)) == {"delivered": 1, "retrying": 0, "failed": 0}
    assert deliver(app, start + timedelta(days=1)) == {"delivered": 0, "retrying": 0, "failed": 0}
    assert len(Receiver.received) == 3
    for request in Receiver.received:
        headers, body = request["headers"], request["body"]
        expected = hmac.new(secret.encode(), headers["x-hailong-timestamp"].encode() + b"." + body,
                            hashlib.sha256).hexdigest()
        assert headers["x-hailong-signature"] == f"sha256={expected}"
        assert headers["x-hailong-event"] == "response.stored"
    event = json.loads(Receiver.received[-1]["body"])
    assert (event["event"], event["unit"], event["data"]["channel"]) == (
        "response.stored", "D1", "counter-qr")
    stamps = [int(r["headers"]["x-hailong-timestamp"]) for r in Receiver.received]
    assert stamps[1] - stamps[0] == 30 and stamps[2] - stamps[1] == 60
    session.rollback()
    delivery = session.exec(select(WebhookDelivery)).one()
    assert (delivery.attempts, delivery.last_status, delivery.delivered_at is not None) == (
        3, "HTTP 204", True)
    page = client.get("/admin/webhooks").text
    assert "HTTP 204" in page and '<td class="num">1</td>' in page


def test_events_follow_the_scope_and_the_kinds_asked(app, client, session, province, receiver):
    app.config["WEBHOOKS_ALLOW_LOOPBACK_HTTP"] = True
    sign_in(client, "admin")
    page = client.post("/admin/webhooks", data={"url": receiver, "unit": province.units["H"].id,
                                                "events": ["kiosk.retired"]})
    assert page.status_code == 200
    client.post(D1, data=answers() | {"ticket": aged_ticket(app)})  # D1 lies outside H: no event
    kiosk = KioskDevice(counter_id=province.counters["H-01"].id, name="Máy 1", credential_hash="x" * 64,
                        enrol_code_hash=None)
    session.add(kiosk)
    session.commit()
    assert client.post(f"/admin/kiosks/{kiosk.id}/active").status_code == 303
    session.rollback()
    [delivery] = session.exec(select(WebhookDelivery)).all()
    assert delivery.event == "kiosk.retired" and json.loads(delivery.payload)["data"]["kiosk_id"] == kiosk.id


def test_only_https_urls_are_registered(app, client, province):
    sign_in(client, "admin")
    for url in ("http://127.0.0.1:9/x", "http://example.com/hook", "ftp://example.com/", "https://"):
        page = client.post("/admin/webhooks", data={"url": url, "unit": province.root.id,
                                                    "events": ["response.stored"]}, follow_redirects=True)
        assert "new-secret" not in page.text, url
    assert "Không có webhook nào." in client.get("/admin/webhooks").text


def test_verdict_changes_of_a_month_are_queued_once(app, client, runner, session, province):
    verdict_mix(session, province)  # July 2026: D1 met, D2 not met, H-01 inconclusive, H-02 too few
    sign_in(client, "admin")
    register(client, province, "https://one-stop.example/hook", events=("verdict.changed",))
    first = runner.invoke(args=["webhooks", "verdicts", "--month", "2026-07"])
    assert first.exit_code == 0, first.output
    session.rollback()
    events = {json.loads(d.payload)["unit"]: json.loads(d.payload)["data"]
              for d in session.exec(select(WebhookDelivery)).all()}
    assert {code: events[code]["verdict"] for code in ("D1", "D2", "H-01")} == {
        "D1": "met", "D2": "not-met", "H-01": "inconclusive"}
    assert "H-02" not in events and events["D1"]["previous"] == "insufficient"
    again = runner.invoke(args=["webhooks", "verdicts", "--month", "2026-07"])
    assert again.output.startswith("0 deliveries queued for 2026-07")
    assert runner.invoke(args=["webhooks", "verdicts", "--month", "2026-13"]).exit_code == 2
