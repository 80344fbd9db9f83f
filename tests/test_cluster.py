"""Scale-out on one machine (`make test-cluster`): Debian's PostgreSQL 15 primary and streaming standby,
Redis, two gunicorn app servers and nginx with TLS in front, as docs/deploy.md sets them up.

Citizens, kiosks and managers load the site through nginx over HTTPS; one app server is killed
mid-load. Checked: no acknowledged response lost, none stored twice, rate limits shared by both
servers, the standby's pages agree with the primary once it has caught up. Figures are printed and
written to benchmarks/cluster/latest.json.
"""

import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from contextlib import ExitStack
from pathlib import Path

import pytest
import requests
from sqlalchemy import create_engine, select
from sqlmodel import Session

from survey import create_app
from survey.commands import migrate
from survey.db import get_engine
from survey.models import Channel, Response
from survey.web.submission import read_ticket
from tests import factories
from tests.cluster import (
    PG_BIN,
    ROOT,
    app_server,
    caught_up,
    forget_keys,
    nginx,
    postgres,
    record,
    redis_url,
    survivor_metrics,
)
from tests.helpers import answers, bearer, make_key, make_kiosk

pytestmark = [pytest.mark.slow, pytest.mark.cluster]

SECRET = "cluster-secret-key-" + "x" * 24
#: Submissions each citizen thread sends, kiosk batches per kiosk, and the acknowledgements before the kill.
CITIZEN_THREADS, CITIZEN_SUBMISSIONS, KIOSK_BATCHES, BATCH = 4, 30, 12, 5
KILL_AFTER = 40
API_LIMIT = 40


def seed(primary_url: str) -> tuple:
    """Migrate the primary and store the small province, two kiosks and three API keys."""
    app = create_app({"TESTING": True, "SECRET_KEY": SECRET, "DATABASE_URL": primary_url})
    migrate.upgrade(get_engine(app))
    with Session(get_engine(app), expire_on_commit=False) as session:
        province = factories.small_province(session)
        kiosks = [make_kiosk(session, province.counters[code]) for code in ("D2", "H-02")]
        keys = {name: make_key(session, province.units["P"]) for name in ("reader", "limited")}
    return app, province, kiosks, keys


class Load:
    """Citizens, kiosks and managers through nginx; what each sent and which answers came back."""

    def __init__(self, base: str, cafile: str, app):
        self.base, self.cafile, self.app = base, cafile, app
        self.lock = threading.Lock()
        self.sent: dict[str, set] = {"citizen": set(), "kiosk": set()}
        self.acked: dict[str, set] = {"citizen": set(), "kiosk": set()}
        self.successes: list[float] = []
        self.pages: dict[int, int] = {}
        self.retries = 0
        self.failures: list[tuple] = []
        self.stop = threading.Event()

    def session(self) -> requests.Session:
        session = requests.Session()
        session.trust_env = False  # the test's own certificate, whatever REQUESTS_CA_BUNDLE says
        session.verify = self.cafile
        return session

    def thread(self, target, *args) -> threading.Thread:
        """Return a thread whose exception becomes a failure of the test."""

        def guarded():
            try:
                target(*args)
            except Exception as exc:  # noqa: BLE001 - reported by the test's assertions
                self.failures.append((type(exc).__name__, str(exc)[:300]))

        return threading.Thread(target=guarded)

    def send(self, call, accept) -> bool:
        """Send until an answer is accepted, retrying what a dead server or nginx's 502 interrupted."""
        for _ in range(10):
            try:
                answer = call()
            except requests.RequestException:
                answer = None
            if answer is not None and accept(answer):
                with self.lock:
                    self.successes.append(time.monotonic())
                return True
            if answer is not None and answer.status_code not in (502, 503, 504):
                self.failures.append((answer.status_code, answer.url, answer.text[:300]))
                return False
            with self.lock:
                self.retries += 1
            time.sleep(0.2)
        return False

    def citizen(self, token: str) -> None:
        session, url = self.session(), f"{self.base}/c/{token}"
        for _ in range(CITIZEN_SUBMISSIONS):
            page = session.get(url, timeout=15)  # nginx moves a GET to the other server by itself
            fields = {
                name: re.search(rf'name="{name}" type="hidden" value="([^"]*)"', page.text).group(1)
                for name in ("csrf_token", "ticket")
            }
            with self.app.test_request_context():
                key = read_ticket(fields["ticket"]).key
            with self.lock:
                self.sent["citizen"].add(key)
            if self.send(
                lambda f=fields: session.post(url, data=answers() | f, allow_redirects=False, timeout=15),
                lambda r: r.status_code == 303 and r.headers["Location"].endswith("/thanks"),
            ):
                with self.lock:
                    self.acked["citizen"].add(key)

    def kiosk(self, credential: str) -> None:
        session = self.session()
        for batch in range(KIOSK_BATCHES):
            items = [{"id": str(uuid.uuid4()), "rating": 1 + (batch + i) % 3} for i in range(BATCH)]
            with self.lock:
                self.sent["kiosk"].update(item["id"] for item in items)
            if self.send(
                lambda body={"responses": items}: session.post(
                    f"{self.base}/api/v1/responses", json=body, headers=bearer(credential), timeout=15
                ),
                lambda r: (
                    r.status_code == 200
                    and all(result["status"] in ("created", "duplicate") for result in r.json()["results"])
                ),
            ):
                with self.lock:
                    self.acked["kiosk"].update(item["id"] for item in items)

    def manager(self, username: str) -> None:
        session = self.session()
        login = session.get(f"{self.base}/login", timeout=15)
        csrf = re.search(r'name="csrf_token" type="hidden" value="([^"]*)"', login.text).group(1)
        assert self.send(
            lambda: session.post(
                f"{self.base}/login",
                allow_redirects=False,
                timeout=15,
                # Flask-WTF checks the Referer over HTTPS; browsers send it.
                headers={"Referer": f"{self.base}/login"},
                data={"username": username, "password": factories.PASSWORD, "csrf_token": csrf},
            ),
            lambda r: r.status_code == 303,
        )
        while not self.stop.is_set():
            for path in ("/manage/", "/manage/unit/H", "/manage/unit/H/export.csv"):
                status = session.get(f"{self.base}{path}", timeout=30).status_code
                with self.lock:
                    self.pages[status] = self.pages.get(status, 0) + 1


def test_two_app_servers_behind_nginx_on_a_primary_and_a_standby(tmp_path_factory):
    for tool in (PG_BIN / "initdb", Path(shutil.which("nginx") or "/usr/sbin/nginx")):
        if not tool.exists():
            pytest.fail(f"{tool} is missing: `.ci/run` installs postgresql-15 and nginx")
    started = time.monotonic()
    folder = Path(tempfile.mkdtemp(prefix="hailong-cluster-"))
    folder.chmod(0o755)
    if os.geteuid() == 0:
        shutil.chown(folder, "postgres")
    prefix = f"hailong-cluster-{uuid.uuid4().hex[:8]}"
    figures: dict = {}
    with ExitStack() as stack:
        stack.callback(shutil.rmtree, folder, ignore_errors=True)
        ports = stack.enter_context(postgres(folder))
        primary, standby = (f"postgresql+psycopg://postgres@127.0.0.1:{port}/postgres" for port in ports)
        app, province, kiosks, keys = seed(primary)
        stack.callback(get_engine(app).dispose)
        redis = stack.enter_context(redis_url())
        stack.callback(forget_keys, redis, prefix)
        env = {
            "DATABASE_URL": primary,
            "DATABASE_REPLICA_URL": standby,
            "FLASK_SECRET_KEY": SECRET,
            "FLASK_PROXY_FIX": "1",
            "FLASK_RATELIMIT_STORAGE_URI": redis,
            "FLASK_RATELIMIT_KEY_PREFIX": prefix,
            "FLASK_RATELIMIT_API": f"{API_LIMIT} per minute",
            "FLASK_RATELIMIT_SURVEY_CLIENT": "100000 per hour",
            "FLASK_RATELIMIT_SURVEY_COUNTER": "100000 per hour",
            "FLASK_SURVEY_MIN_SECONDS_PER_ITEM": "0",
            "FLASK_SIGNALS_OPENING_HOURS": "00:00-24:00",
            "FLASK_SIGNALS_OPEN_DAYS": "Mon-Sun",
            "FLASK_TALLY_FOLD_AT": "100",
        }
        first = stack.enter_context(app_server(folder, "app-a", "survey.wsgi:app", env))
        second = stack.enter_context(app_server(folder, "app-b", "survey:create_app()", env))
        http_port, https_port, cafile = stack.enter_context(nginx(folder, [first[1], second[1]]))
        base = f"https://127.0.0.1:{https_port}"
        figures["set-up seconds"] = round(time.monotonic() - started, 1)
        figures["https"] = check_https(base, http_port, https_port, cafile)
        figures["rate limit"] = check_shared_limit(base, cafile, keys["limited"], [first[2], second[2]])
        load = Load(base, cafile, app)
        tokens = [province.counters[code].token for code in ("D1", "H-01", "H-02", "D2")]
        threads = [load.thread(load.citizen, token) for token in tokens[:CITIZEN_THREADS]] + [
            load.thread(load.kiosk, kiosk) for kiosk in kiosks
        ]
        managers = [load.thread(load.manager, name) for name in ("admin", "district")]
        load_started = time.monotonic()
        for thread in threads + managers:
            thread.start()
        while len(load.acked["citizen"]) < KILL_AFTER and any(t.is_alive() for t in threads):
            time.sleep(0.01)
        killed_at = time.monotonic()
        os.killpg(first[0].pid, signal.SIGKILL)  # app server A dies mid-load, requests in flight
        for thread in threads:
            thread.join(timeout=300)
        load.stop.set()
        for thread in managers:
            thread.join(timeout=60)
        figures["load seconds"] = round(time.monotonic() - load_started, 1)
        after = sorted(t for t in load.successes if t >= killed_at)
        gaps = [b - a for a, b in zip([killed_at, *after], after, strict=False)]
        figures["failover gap seconds"] = round(max(gaps, default=0), 2)
        subprocess.run(
            [sys.executable, "-m", "flask", "--app", "survey", "tally"],
            check=True,
            cwd=ROOT,
            env=os.environ | {"DATABASE_URL": primary, "FLASK_SECRET_KEY": SECRET},
            capture_output=True,
        )
        figures["standby catch-up seconds"] = round(caught_up(primary, standby), 2)
        figures |= check_responses(primary, load)
        figures["survivor's metrics"] = survivor_metrics(second[1])
        figures["pages"] = {str(status): count for status, count in sorted(load.pages.items())}
        figures["agreement"] = check_agreement(base, cafile, app, keys["reader"])
    figures["total seconds"] = round(time.monotonic() - started, 1)
    record(figures)
    assert not load.failures, load.failures[:3]
    assert set(load.pages) == {200}, load.pages
    assert not folder.exists()


def check_https(base: str, http_port: int, https_port: int, cafile: str) -> dict:
    """Plain HTTP moves to HTTPS; HTTP/2 is offered; nginx serves static files gzipped; big bodies get 413."""
    import socket
    import ssl

    moved = requests.get(f"http://127.0.0.1:{http_port}/c/x", allow_redirects=False, timeout=5)
    assert moved.status_code == 301 and moved.headers["Location"].startswith("https://")
    context = ssl.create_default_context(cafile=cafile)
    context.set_alpn_protocols(["h2", "http/1.1"])
    with (
        socket.create_connection(("127.0.0.1", https_port)) as raw,
        context.wrap_socket(raw, server_hostname="127.0.0.1") as tls,
    ):
        protocol = tls.selected_alpn_protocol()
    assert protocol == "h2"
    static = requests.get(
        f"{base}/static/app.css", verify=cafile, headers={"Accept-Encoding": "gzip"}, timeout=5
    )
    assert static.status_code == 200 and static.headers["Content-Encoding"] == "gzip"
    assert "X-Request-ID" not in static.headers  # nginx answered, not the app
    page = requests.get(f"{base}/", verify=cafile, timeout=10)
    assert page.status_code == 200 and page.headers["X-Request-ID"]
    too_big = requests.post(f"{base}/c/x", data=b"x" * 2_000_000, verify=cafile, timeout=10)
    assert too_big.status_code == 413
    assert requests.get(f"{base}/metrics", verify=cafile, timeout=5).status_code == 404
    return {
        "alpn": protocol,
        "redirect": moved.status_code,
        "static gzip": True,
        "body limit": too_big.status_code,
    }


def check_shared_limit(base: str, cafile: str, key: str, logs: list[Path]) -> dict:
    """One credential's budget holds across both app servers (and their workers): Redis counts."""
    statuses = [
        requests.get(f"{base}/api/v1/scores", headers=bearer(key), verify=cafile, timeout=30).status_code
        for _ in range(API_LIMIT + 20)
    ]
    served = [
        sum('"endpoint": "api.read_scores"' in line for line in log.read_text().splitlines()) for log in logs
    ]
    assert statuses.count(200) == API_LIMIT and statuses.count(429) == 20, statuses
    assert all(count >= 10 for count in served), served  # both servers answered this credential
    return {
        "sent": len(statuses),
        "200": statuses.count(200),
        "429": statuses.count(429),
        "per server": served,
    }


def check_responses(primary: str, load: Load) -> dict:
    """Every acknowledged response is stored once; nothing is stored that was not sent."""
    engine = create_engine(primary)
    try:
        with engine.connect() as connection:
            rows = connection.execute(select(Response.idempotency_key, Response.channel)).all()
    finally:
        engine.dispose()
    stored = {
        kind: {key for key, channel in rows if (channel == Channel.KIOSK) == (kind == "kiosk")}
        for kind in ("citizen", "kiosk")
    }
    figures = {}
    for kind in ("citizen", "kiosk"):
        lost = load.acked[kind] - stored[kind]
        assert not lost, f"{len(lost)} acknowledged {kind} responses were lost"
        assert stored[kind] <= load.sent[kind], "a response was stored that nobody sent"
        figures[f"{kind} responses"] = {
            "sent": len(load.sent[kind]),
            "acknowledged": len(load.acked[kind]),
            "stored": len(stored[kind]),
        }
    assert len(rows) == len({key for key, _ in rows}), "a response was stored twice"
    assert len(load.acked["citizen"]) == CITIZEN_THREADS * CITIZEN_SUBMISSIONS
    figures["client retries"] = load.retries
    return figures


def check_agreement(base: str, cafile: str, app, key: str) -> dict:
    """The scores API read from the standby through nginx equals the same request on the primary."""
    query = "/api/v1/scores?unit=P&level=all"
    from_standby = requests.get(base + query, headers=bearer(key), verify=cafile, timeout=30)
    from_primary = app.test_client().get(query, headers=bearer(key))
    assert from_standby.status_code == from_primary.status_code == 200
    assert from_standby.json() == from_primary.json
    scope = from_primary.json["scope"]
    assert scope["n"] > 0
    return {"scope n": scope["n"], "agree": True}
