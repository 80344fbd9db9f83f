"""Reads from a replica: score pages, exports and the scores API read it and never write; writes go to the
primary; a GET of the scores API never fails because responses are being written (SQLite)."""

import shutil
import threading
import uuid
from urllib.parse import quote

import pytest
from flask import url_for
from sqlalchemy import func, select

from survey import create_app
from survey.db import get_engine
from survey.models import ApiKey, Response, TallyPending
from survey.web.home import WRITE_PROBE
from tests.factories import add_sipas
from tests.helpers import (
    D1,
    SCOPE_ROUTES,
    UNIT_ROUTES,
    aged_ticket,
    answers,
    bearer,
    make_key,
    make_kiosk,
    sign_in,
    statements_sent,
)
from tests.server import fetch, free_port, gunicorn

KEEP = ("TESTING", "SECRET_KEY", "DATABASE_URL", "WTF_CSRF_ENABLED", "PUBLIC_BASE_URL",
        "SESSION_COOKIE_SECURE")


def read_only(url: str) -> str:
    """Return a URL of the same database on which every write fails, as on a streaming standby."""
    if url.startswith("sqlite:///"):
        return f"sqlite:///file:{url[len('sqlite:///'):]}?mode=ro&uri=true"
    if "options=" in url:
        return url.replace("options=", "options=-cdefault_transaction_read_only%3Don%20", 1)
    return f"{url}{'&' if '?' in url else '?'}options={quote('-cdefault_transaction_read_only=on')}"


@pytest.fixture
def replicated(app):
    """Return an app whose replica is its own database opened read-only; folds are due at once."""
    other = create_app({name: app.config[name] for name in KEEP}
                       | {"DATABASE_REPLICA_URL": read_only(app.config["DATABASE_URL"]), "TALLY_FOLD_AT": 0})
    yield other
    get_engine(other).dispose()
    get_engine(other, replica=True).dispose()


def test_score_pages_exports_and_the_api_read_without_writing(replicated, session, province):
    add_sipas(session, province, "H-01", n=12, satisfied=9)
    key = make_key(session, province.units["H"], "scores:read")
    assert session.scalar(select(func.count()).select_from(TallyPending)) == 12
    session.commit()
    client = replicated.test_client()
    sign_in(client, "admin")
    for route in SCOPE_ROUTES + [route.replace("{code}", "H") for route in UNIT_ROUTES]:
        page = client.get(route)
        assert page.status_code == 200, (route, page.text[:300])
    page = client.get("/manage/unit/H")
    assert "Dữ liệu tính đến" in page.text
    answer = client.get("/api/v1/scores?unit=H&period=2026-07", headers=bearer(key))
    assert answer.status_code == 200
    assert {row["unit"]: row["n"] for row in answer.json["rows"]}["H-01"] == 12
    session.commit()
    # The pages read the queue (they were exact) but left it for the primary to fold.
    assert session.scalar(select(func.count()).select_from(TallyPending)) == 12
    # The key's last use is stored once the answer has gone, on the primary.
    assert session.scalar(select(ApiKey.last_used_at).where(ApiKey.prefix == key[:10])) is None
    answer.close()
    session.commit()
    assert session.scalar(select(ApiKey.last_used_at).where(ApiKey.prefix == key[:10])) is not None


def test_writes_go_to_the_primary_and_fold_there(replicated, session, province):
    client = replicated.test_client()
    posted = client.post(D1, data=answers() | {"ticket": aged_ticket(replicated)})
    assert posted.status_code == 303
    posted.close()
    session.commit()
    assert session.scalar(select(func.count()).select_from(Response)) == 1
    assert session.scalar(select(func.count()).select_from(TallyPending)) == 0


def test_pages_show_what_the_replica_holds(app, session, province, tmp_path):
    if not app.config["DATABASE_URL"].startswith("sqlite"):
        pytest.skip("a copied file stands for a lagging replica on SQLite; the cluster test lags PostgreSQL")
    primary = app.config["DATABASE_URL"][len("sqlite:///"):]
    replica = tmp_path / "replica.sqlite"
    add_sipas(session, province, "H-01", n=5, satisfied=5)
    key = make_key(session, province.units["H"], "scores:read")

    def replicate() -> None:
        with get_engine(app).connect() as connection:
            connection.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
        shutil.copy(primary, replica)

    replicate()
    add_sipas(session, province, "H-01", n=7, satisfied=0)
    with_replica = create_app({name: app.config[name] for name in KEEP}
                              | {"DATABASE_REPLICA_URL": f"sqlite:///{replica}"})

    def counted() -> int:
        answer = with_replica.test_client().get("/api/v1/scores?unit=H&period=2026-07", headers=bearer(key))
        return {row["unit"]: row["n"] for row in answer.json["rows"]}["H-01"]

    assert counted() == 5  # the replica lags: it has not seen the last seven
    get_engine(with_replica, replica=True).dispose()  # a file copied under open connections is not a standby
    replicate()
    assert counted() == 12
    get_engine(with_replica).dispose()
    get_engine(with_replica, replica=True).dispose()


def test_no_get_writes_anywhere(app, client, session, province):
    add_sipas(session, province, "H-01", n=6, satisfied=5)
    key = make_key(session, province.units["P"])
    receipt = client.post("/api/v1/receipts", json={"unit": "H-01", "dossier": "HS-9"}, headers=bearer(key))
    client.set_cookie("kiosk", make_kiosk(session, province.counters["D2"]))
    sign_in(client, "admin")
    values = {"code": "H", "fmt": "csv", "unit_id": province.units["H"].id, "filename": "app.css",
              "counter_id": province.counters["H-01"].id, "_rest": "nothing-here"}
    receipt_pages = ("respond.receipt_survey", "respond.receipt_thanks")
    tokens = {endpoint: receipt.json["token"] for endpoint in receipt_pages}
    writes: dict[str, list[str]] = {"request": [], "after the answer": []}

    def written(sent) -> list[str]:
        # The one exception: /healthz's probe, a write that matches no row and is rolled back, asks
        # whether the database would take writes (a replica or a full disk refuses it); it stores nothing.
        return [" ".join(statement.split()[:4]) for statement, _ in sent if statement != WRITE_PROBE.text
                and statement.lstrip().upper().startswith(("INSERT", "UPDATE", "DELETE"))]

    visited = {}
    for rule in app.url_map.iter_rules():
        if "GET" not in rule.methods:
            continue
        arguments = values | {"token": tokens.get(rule.endpoint, province.counters["D1"].token)}
        with app.test_request_context():
            path = url_for(rule.endpoint, **{name: arguments[name] for name in rule.arguments})
        with statements_sent(get_engine(app)) as sent:
            answer = client.get(path, headers=bearer(key))
        writes["request"] += written(sent)
        visited[path] = answer.status_code
        with statements_sent(get_engine(app)) as sent:
            answer.close()
        writes["after the answer"] += written(sent)
    assert len(visited) >= 30 and all(status < 500 for status in visited.values()), visited
    assert {visited[path] for path in ("/manage/unit/H", "/admin/", "/k/", "/api/v1/scores")} == {200}
    # Not even after the answers: the key's last use was stored by the receipt POST a moment ago, and
    # a GET stores it at most once a minute (test_score_pages_exports_and_the_api_read_without_writing).
    assert writes == {"request": [], "after the answer": []}


@pytest.mark.slow
def test_score_reads_never_fail_while_responses_are_written(app, session, province):
    """On SQLite a GET that wrote (the key's last use) failed with "database is locked" under writes."""
    if not app.config["DATABASE_URL"].startswith("sqlite"):
        pytest.skip("SQLite's single writer is what made the reads fail")
    add_sipas(session, province, "H-01", n=30, satisfied=25)
    keys = [make_key(session, province.units["H"]) for _ in range(4)]
    port = free_port()
    statuses: list[int] = []
    writes: list[int] = []

    def read(key: str) -> None:
        for _ in range(100):
            statuses.append(api(port, "GET", "/api/v1/scores?unit=H", key)[0])

    def write(key: str) -> None:
        for _ in range(60):
            body = {"responses": [{"id": str(uuid.uuid4()), "unit": "H-01", "instrument": "sipas-service",
                                   "answers": {"A1": 5, "A2": 4}}]}
            writes.append(api(port, "POST", "/api/v1/responses", key, body)[0])

    with gunicorn(database_url=app.config["DATABASE_URL"], secret_key=app.secret_key, port=port, workers=4,
                  env={"FLASK_LOG_REQUESTS": "false", "FLASK_TALLY_FOLD_AT": "10"}):
        threads = [threading.Thread(target=read, args=(key,)) for key in keys] + \
                  [threading.Thread(target=write, args=(key,)) for key in keys[:2]]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert fetch(port, "/healthz")[0] == 200
    assert len(statuses) == 400 and set(statuses) == {200}, {s: statuses.count(s) for s in set(statuses)}
    assert set(writes) == {200}
    session.commit()
    assert session.scalar(select(func.count()).select_from(Response)) == 30 + 120
    assert all(session.scalar(select(ApiKey.last_used_at).where(ApiKey.prefix == key[:10])) for key in keys)


def api(port: int, method: str, path: str, key: str, body: dict | None = None) -> tuple[int, bytes]:
    """Send one API request with a key; return (status, body)."""
    import http.client
    import json

    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        headers = bearer(key) | ({"Content-Type": "application/json"} if body is not None else {})
        connection.request(method, path, body=json.dumps(body) if body is not None else None, headers=headers)
        response = connection.getresponse()
        return response.status, response.read()
    finally:
        connection.close()
