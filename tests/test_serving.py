"""Production serving: the client address behind a proxy, request logs, /metrics, Secure cookies over HTTP."""

import json
import logging
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from sqlmodel import select

from survey import create_app
from survey.db import get_engine
from survey.models import Response
from tests.helpers import D1, aged_ticket, answers
from tests.server import fetch, free_port, kill, wait_until_up

CONFIG = Path(__file__).resolve().parent.parent / "deploy" / "gunicorn.conf.py"
KEEP = ("TESTING", "SECRET_KEY", "DATABASE_URL", "WTF_CSRF_ENABLED", "PUBLIC_BASE_URL",
        "SESSION_COOKIE_SECURE")


@pytest.fixture
def make(app):
    """Return a factory of second apps on the same database with some settings changed."""
    made = []

    def build(**settings):
        other = create_app({name: app.config[name] for name in KEEP} | settings)
        made.append(other)
        return other

    yield build
    for other in made:
        get_engine(other).dispose()


def enrol_statuses(client, addresses: list[str]) -> list[int]:
    """Try a wrong kiosk enrolment code once from each forwarded address (through one proxy)."""
    return [client.post("/k/enrol", data={"code": "AAAA-BBBB"}, headers={"X-Forwarded-For": address},
                        environ_base={"REMOTE_ADDR": "10.0.0.2"}).status_code for address in addresses]


@pytest.mark.parametrize("hops, expected", [
    (1, [200, 200, 429, 200, 200]),  # each citizen's own address is limited
    (0, [200, 200, 429, 429, 429]),  # without PROXY_FIX everyone behind the proxy shares one bucket
])
def test_rate_limits_see_the_client_address_behind_the_proxy(make, hops, expected):
    app = make(PROXY_FIX=hops, RATELIMIT_ENABLED=True, RATELIMIT_KIOSK_ENROL="2 per minute",
               RATELIMIT_STORAGE_URI="memory://")
    client = app.test_client()
    first, second = "203.0.113.7", "198.51.100.23"
    assert enrol_statuses(client, [first, first, first, second, second]) == expected


def test_a_trusted_proxy_makes_the_request_https(make):
    app = make(PROXY_FIX=1)

    @app.get("/_scheme")
    def scheme():
        from flask import request
        return f"{request.scheme} {request.remote_addr} {request.host}"

    answer = app.test_client().get("/_scheme", headers={
        "X-Forwarded-For": "spoofed, 203.0.113.7", "X-Forwarded-Proto": "https",
        "X-Forwarded-Host": "hl.gov.vn"})
    # Only the last hop (the one nginx appended) is believed.
    assert answer.text == "https 203.0.113.7 hl.gov.vn"


def test_each_request_is_one_json_log_line_without_receipt_tokens(client, province, caplog):
    caplog.set_level(logging.INFO, logger="survey.requests")
    token = "eyJzZWNyZXQiOiJyZWNlaXB0In0.capability"
    client.get(f"/r/{token}", headers={"X-Request-ID": "nginx-abc123def"})
    client.post("/login", data={"username": "lan", "password": "a-secret-password"})
    client.post(D1, data=answers() | {"ticket": "x"})
    client.get(f"/unsubscribe/{token}")
    lines = [json.loads(record.getMessage()) for record in caplog.records if record.name == "survey.requests"]
    assert [(line["method"], line["path"]) for line in lines] == [
        ("GET", "/r/…"), ("POST", "/login"), ("POST", D1), ("GET", "/unsubscribe/…")]
    assert lines[0]["request_id"] == "nginx-abc123def" and lines[0]["status"] == 404
    assert len(lines[1]["request_id"]) == 32 and lines[1]["status"] == 200
    assert all(isinstance(line["duration_ms"], float) for line in lines)
    text = caplog.text
    assert token not in text and "capability" not in text and "a-secret-password" not in text


def test_the_request_id_is_answered_and_a_bad_one_replaced(client):
    assert client.get("/healthz", headers={"X-Request-ID": "nginx-abc123def"}).headers["X-Request-ID"] == \
        "nginx-abc123def"
    replaced = client.get("/healthz", headers={"X-Request-ID": "<script>" * 3}).headers["X-Request-ID"]
    assert len(replaced) == 32 and "script" not in replaced


def test_metrics_count_requests_submissions_and_the_queue(app, client, session, province):
    before = client.get("/metrics").text
    assert client.post(D1, data=answers() | {"ticket": aged_ticket(app)}).status_code == 303
    after = client.get("/metrics")
    assert after.status_code == 200 and after.mimetype == "text/plain"

    def figure(text: str, name: str) -> float:
        lines = [line for line in text.splitlines() if line.startswith((name + " ", name + "{"))]
        return sum(float(line.rsplit(" ", 1)[1]) for line in lines)

    assert figure(after.text, 'hailong_submissions_total{channel="counter"}') - \
        figure(before, 'hailong_submissions_total{channel="counter"}') == 1
    assert figure(after.text, "hailong_tally_queue_responses") == \
        len(session.exec(select(Response.id)).all()) == 1
    assert ('hailong_http_requests_total{endpoint="respond.counter_survey",method="POST",status="303"}'
            in after.text)
    assert "hailong_http_request_duration_seconds_bucket" in after.text


def test_metrics_are_scoped_to_allowed_addresses_or_off(make):
    scoped = make(METRICS_ALLOW="10.1.0.0/16").test_client()
    assert scoped.get("/metrics", environ_base={"REMOTE_ADDR": "10.1.4.2"}).status_code == 200
    assert scoped.get("/metrics", environ_base={"REMOTE_ADDR": "127.0.0.1"}).status_code == 404
    off = make(METRICS_ALLOW="").test_client()
    assert off.get("/metrics").status_code == 404


def test_a_secure_cookie_over_plain_http_is_explained(make, caplog):
    secure = make(SESSION_COOKIE_SECURE=True, WTF_CSRF_ENABLED=True).test_client()
    page = secure.get("/login")
    assert "FLASK_SESSION_COOKIE_SECURE=false" in page.text and 'role="alert"' in page.text
    assert "sign-in fails" in caplog.text  # the session cookie (CSRF) was sent over HTTP
    over_https = secure.get("/login", base_url="https://localhost")
    assert "FLASK_SESSION_COOKIE_SECURE" not in over_https.text
    plain = make(SESSION_COOKIE_SECURE=False).test_client().get("/login")
    assert "FLASK_SESSION_COOKIE_SECURE" not in plain.text


@pytest.mark.slow
@pytest.mark.parametrize("entry", ["survey.wsgi:app", "survey:create_app()"])
def test_gunicorn_with_the_production_config_adds_up_its_workers(app, province, entry, tmp_path):
    port = free_port()
    errors = tmp_path / "gunicorn.err"
    environment = {name: value for name, value in os.environ.items() if name != "PROMETHEUS_MULTIPROC_DIR"}
    environment |= {
        "DATABASE_URL": app.config["DATABASE_URL"], "FLASK_SECRET_KEY": app.secret_key,
        "HAILONG_BIND": f"127.0.0.1:{port}", "HAILONG_WORKERS": "3", "FLASK_PROXY_FIX": "1",
    }
    with errors.open("wb") as stderr:
        process = subprocess.Popen([sys.executable, "-m", "gunicorn", "-c", str(CONFIG), entry],
                                   env=environment, stdout=subprocess.PIPE, stderr=stderr,
                                   start_new_session=True)
    try:
        wait_until_up(port, process)
        # The master forks its workers one after another: count on all three, not on the first alone.
        deadline = time.monotonic() + 20
        while errors.read_text().count("Booting worker") < 3 and time.monotonic() < deadline:
            time.sleep(0.05)
        for _ in range(12):
            assert fetch(port, "/healthz")[0] == 200
        status, body = fetch(port, "/metrics")
    finally:
        kill(process)
        out, _ = process.communicate()
    err = errors.read_bytes()
    assert status == 200
    served = sum(float(line.rsplit(" ", 1)[1]) for line in body.splitlines()
                 if line.startswith('hailong_http_requests_total{endpoint="home.health"'))
    assert served >= 13, body  # every worker's requests, whichever worker answered /metrics
    lines = [json.loads(line) for line in out.decode().splitlines() if line.startswith("{")]
    assert sum(line["path"] == "/healthz" for line in lines) >= 13
    assert err.decode().count("Booting worker") >= 3


def test_the_wsgi_entry_point_freezes_what_it_loaded(app):
    """Full garbage collections of a serving process skip the modules and the app (survey.freeze_loaded)."""
    environment = os.environ | {"DATABASE_URL": app.config["DATABASE_URL"],
                                "FLASK_SECRET_KEY": app.secret_key}
    probe = "import gc, survey.wsgi; print(gc.get_freeze_count(), sum(gc.get_count()))"
    frozen, young = map(int, subprocess.run([sys.executable, "-c", probe], env=environment, check=True,
                                            capture_output=True, text=True).stdout.split())
    assert frozen > 100_000 and young < 1_000
