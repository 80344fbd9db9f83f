"""Security headers on every response, no-store on private pages, a health check that needs writes,
receipt tokens out of access logs and SQL parameters out of tracebacks (docs/security.md)."""

import logging
import urllib.request

import pytest
from sqlalchemy import event, text
from sqlalchemy.exc import SQLAlchemyError
from sqlmodel import Session

from survey import create_app
from survey.db import get_engine
from tests.helpers import D1, sign_in

PUBLIC = ["/", "/login", D1, "/c/unknown-token", "/k/enrol", "/api/v1/openapi.json", "/static/app.css",
          "/healthz"]
PRIVATE = ["/manage/", "/manage/unit/P", "/manage/unit/P/export.csv", "/manage/unit/P/export.xlsx",
           "/manage/unit/P/report", "/admin/", "/admin/users", "/account/notifications"]


def assert_security_headers(response) -> None:
    csp = response.headers["Content-Security-Policy"]
    assert "default-src 'self'" in csp and "script-src 'self'" in csp and "frame-ancestors 'none'" in csp
    assert "worker-src 'self'" in csp and "'unsafe-eval'" not in csp
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] in ("same-origin", "no-referrer")


@pytest.mark.parametrize("path", PUBLIC)
def test_public_responses_carry_the_security_headers(client, province, path):
    with client.get(path) as response:  # closes the file of a static response
        assert response.status_code < 500
        assert_security_headers(response)
    assert "Strict-Transport-Security" not in response.headers  # plain HTTP: HSTS means nothing


@pytest.mark.parametrize("path", PRIVATE)
def test_private_pages_and_exports_are_never_stored(client, province, path):
    sign_in(client, "admin")
    response = client.get(path)
    assert response.status_code == 200
    assert_security_headers(response)
    assert response.headers["Cache-Control"] == "no-store"


def test_https_responses_ask_for_https_from_then_on(client, province):
    response = client.get("/", base_url="https://survey.test")
    assert response.headers["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains"


def test_health_check_answers_ok_when_the_database_takes_writes(client, province):
    assert client.get("/healthz").get_json() == {"status": "ok"}


def test_health_check_fails_when_the_database_refuses_writes(app, client, province):
    engine = get_engine(app)
    engine.dispose()
    read_only = "PRAGMA query_only = ON" if engine.dialect.name == "sqlite" else \
        "SET default_transaction_read_only = on"

    @event.listens_for(engine, "connect")
    def refuse_writes(dbapi_connection, _record):
        cursor = dbapi_connection.cursor()
        cursor.execute(read_only)
        cursor.close()
        if engine.dialect.name != "sqlite":
            dbapi_connection.commit()

    assert client.get("/").status_code == 200  # reads still work
    response = client.get("/healthz")
    assert response.status_code == 503 and response.get_json()["status"] == "unavailable"
    event.remove(engine, "connect", refuse_writes)
    engine.dispose()


def test_health_check_fails_when_the_database_is_down(app, tmp_path):
    url = ("postgresql+psycopg://postgres@127.0.0.1:1/none?connect_timeout=1"
           if app.config["DATABASE_URL"].startswith("postgresql") else f"sqlite:///{tmp_path}/gone/x.sqlite")
    down = create_app({"TESTING": True, "SECRET_KEY": app.secret_key, "DATABASE_URL": url})
    response = down.test_client().get("/healthz")
    assert response.status_code == 503 and response.headers["Retry-After"] == "30"
    get_engine(down).dispose()


def test_receipt_tokens_stay_out_of_the_access_log(app, live_server, province, caplog):
    caplog.set_level(logging.INFO, logger="werkzeug")
    for path in ("/r/SECRET-TOKEN-abc.def?x=1", "/r/SECRET-TOKEN-abc.def/thanks",
                 "/unsubscribe/SECRET-TOKEN-xyz"):
        with pytest.raises(urllib.error.HTTPError) as unknown:  # not a token issued here: 404
            urllib.request.urlopen(live_server + path)
        unknown.value.close()
    lines = [record.getMessage() for record in caplog.records if record.name == "werkzeug"]
    assert any("/r/…" in line for line in lines) and any("/unsubscribe/…" in line for line in lines)
    assert not any("SECRET-TOKEN" in line for line in lines)
    # gunicorn's access log passes the atoms of its format as a dict.
    gunicorn = logging.getLogger("gunicorn.access")
    caplog.set_level(logging.INFO, logger="gunicorn.access")
    gunicorn.info('%(h)s "%(r)s" %(s)s', {"h": "-", "r": "GET /r/SECRET-TOKEN-abc HTTP/1.1", "s": "200"})
    assert caplog.records[-1].getMessage() == '- "GET /r/… HTTP/1.1" 200'


def test_sql_parameters_stay_out_of_logged_errors(app, province, caplog):
    with Session(get_engine(app)) as session, pytest.raises(SQLAlchemyError) as raised:
        session.execute(text("INSERT INTO counter (id, unit_id, name, token, active, instrument_code) "
                             "VALUES (:id, :unit, :name, :token, true, 'x')"),
                        {"id": province.counters["D1"].id, "unit": 1, "name": "Bí mật của công dân",
                         "token": "secret-token"})
    assert "hidden due to hide_parameters" in str(raised.value)
    with app.app_context():
        try:
            raise raised.value
        except SQLAlchemyError:
            app.logger.exception("Exception on /c/x [POST]")  # as Flask logs an unhandled error
    logged = caplog.text
    assert "IntegrityError" in logged and "INSERT INTO counter" in logged
    assert "Bí mật" not in logged and "secret-token" not in logged
