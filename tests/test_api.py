"""The JSON API: keys and scopes, batches of responses once per UUID, receipt tokens, errors."""

import uuid
from datetime import timedelta

import pytest
from sqlalchemy import text
from sqlmodel import select

from survey import create_app
from survey.core.receipts import read_receipt
from survey.db import get_engine
from survey.models import ApiKey, Response, utcnow
from tests.factories import add_sipas
from tests.helpers import bearer, make_key, make_kiosk


def paper(**fields) -> dict:
    item = {"id": str(uuid.uuid4()), "unit": "H-01", "instrument": "sipas-service",
            "answers": {"A1": 5, "A2": 4, "E1": 0}}
    item.update(fields)
    return item


@pytest.fixture
def key(session, province) -> str:
    return make_key(session, province.units["H"])


def test_errors_are_json_with_the_right_status(client, province, session, key):
    response = client.post("/api/v1/responses", json={"responses": [paper()]})
    assert response.status_code == 401 and response.headers["WWW-Authenticate"].startswith("Bearer")
    assert response.json["error"]["status"] == 401 and "credentials" in response.json["error"]["message"]
    basic = client.post("/api/v1/responses", json={}, headers={"Authorization": "Basic eDp5"})
    assert basic.status_code == 401
    assert client.post("/api/v1/responses", json={}, headers=bearer("hl_wrong")).status_code == 401
    reader = make_key(session, province.units["H"], "scores:read")
    forbidden = client.post("/api/v1/responses", json={"responses": [paper()]}, headers=bearer(reader))
    assert forbidden.status_code == 403 and "responses:write" in forbidden.json["error"]["message"]
    not_json = client.post("/api/v1/responses", data="x", headers=bearer(key))
    assert not_json.status_code == 400 and "application/json" in not_json.json["error"]["message"]
    assert client.post("/api/v1/responses", json=[1], headers=bearer(key)).status_code == 400
    assert client.post("/api/v1/responses", json={"responses": []}, headers=bearer(key)).status_code == 422
    missing = client.get("/api/v1/nothing-here", headers=bearer(key))
    assert missing.status_code == 404 and missing.json["error"]["status"] == 404


def test_a_batch_gets_one_result_per_item_and_each_uuid_counts_once(client, province, session, key):
    first = paper(answers={"A1": 5, "A2": 4, "E1": 0}, service="1.001193", facts={"gender": "female"})
    items = [
        first,
        dict(first),  # the same UUID again in the same batch
        paper(unit="D1"),  # outside the key's subtree
        paper(answers={"A1": 9}),
        paper(answers={"ZZ": 5}),
        paper(id="not-a-uuid"),
        paper(service="0.000000"),
        paper(counter=province.counters["H-02"].id, unit=None, instrument=None, answers={"OVERALL": 4}),
        paper(answered_at="2026-01-05T09:00:00"),
    ]
    response = client.post("/api/v1/responses", json={"responses": items}, headers=bearer(key))
    assert response.status_code == 200
    statuses = [result["status"] for result in response.json["results"]]
    assert statuses == ["created", "duplicate", "not-found", "invalid", "invalid", "invalid", "not-found",
                        "created", "invalid"]
    assert response.json["results"][0]["id"] == first["id"]
    again = client.post("/api/v1/responses", json={"responses": [first]}, headers=bearer(key))
    assert again.json["results"][0]["status"] == "duplicate"
    assert again.json["results"][0]["response_id"] == response.json["results"][0]["response_id"]
    rows = session.exec(select(Response).order_by(Response.id)).all()
    assert [(r.channel, r.unit_id, r.counter_id) for r in rows] == [
        ("paper", province.units["H-01"].id, None),
        ("paper", province.units["H-02"].id, province.counters["H-02"].id),
    ]
    assert rows[0].gender == "female" and rows[0].service_id == province.services["1.001193"].id
    assert rows[0].answered_mask == 0b11  # A1 and A2 answered, E1 "no opinion"


def test_multi_answers_become_bit_masks(client, province, session, key):
    item = {"id": str(uuid.uuid4()), "unit": "H", "instrument": "quick-3",
            "answers": {"RATING": 1, "REASONS": [2, 6]}}
    response = client.post("/api/v1/responses", json={"responses": [item]}, headers=bearer(key))
    assert response.json["results"][0]["status"] == "created"
    assert session.execute(text("SELECT v01, v02 FROM answer")).one() == (1, 0b100010)


@pytest.mark.parametrize("how", ["cookie", "bearer"])
def test_a_kiosk_syncs_its_own_counter_only(app, client, province, session, how):
    app.config.update({"SIGNALS_OPENING_HOURS": "00:00-24:00", "SIGNALS_OPEN_DAYS": "Mon-Sun"})
    counter = province.counters["D2"]
    credential = make_kiosk(session, counter)
    headers = {}
    if how == "cookie":
        client.set_cookie("kiosk", credential)
    else:
        headers = bearer(credential)
    yesterday = (utcnow() - timedelta(days=1)).replace(microsecond=0)
    items = [
        {"id": str(uuid.uuid4()), "rating": 3, "answered_at": yesterday.isoformat().replace("+00:00", "Z")},
        {"id": str(uuid.uuid4()), "rating": 1, "reasons": [1, 2]},
        {"id": str(uuid.uuid4()), "rating": 3, "counter": province.counters["D1"].id},
        {"id": str(uuid.uuid4()), "rating": 7},
        {"id": str(uuid.uuid4()), "rating": True},
    ]
    response = client.post("/api/v1/responses", json={"responses": items}, headers=headers)
    statuses = [r["status"] for r in response.json["results"]]
    assert statuses == ["created", "created", "forbidden", "invalid", "invalid"]
    rows = session.exec(select(Response).order_by(Response.id)).all()
    sources = [(r.channel, r.counter_id, r.kiosk_id is not None) for r in rows]
    assert sources == [("kiosk", counter.id, True)] * 2
    assert rows[0].submitted_at.replace(tzinfo=None) == yesterday.replace(tzinfo=None)
    receipts = client.post("/api/v1/receipts", json={"unit": "D2", "dossier": "X"}, headers=headers)
    assert receipts.status_code == 403


def test_receipts_are_issued_inside_the_key_subtree(app, client, province, session, key):
    body = {"unit": "H-01", "service": "1.001193", "dossier": "000.00.01.H01-260301-0001"}
    response = client.post("/api/v1/receipts", json=body, headers=bearer(key))
    assert response.status_code == 201
    token = response.json["token"]
    assert response.json["url"] == f"http://survey.test/r/{token}"
    with app.test_request_context():
        claims = read_receipt(token)
    assert claims.unit_id == province.units["H-01"].id
    assert claims.service_id == province.services["1.001193"].id

    def status(**changes) -> int:
        return client.post("/api/v1/receipts", json={**body, **changes}, headers=bearer(key)).status_code

    assert status(unit="D1") == 404
    assert status(unit="H-02") == 201  # codes are scoped per unit: H-02's own dossier
    assert status(service="9.9") == 404
    assert status(dossier="") == 422
    assert status(valid_days=0) == 422
    writer_only = make_key(session, province.units["H"], "responses:write")
    assert client.post("/api/v1/receipts", json=body, headers=bearer(writer_only)).status_code == 403


def test_a_revoked_key_stops_working(client, province, session, key):
    session.exec(select(ApiKey)).one().active = False
    session.commit()
    revoked = client.post("/api/v1/receipts", json={"unit": "H", "dossier": "1"}, headers=bearer(key))
    assert revoked.status_code == 401


def test_the_openapi_document_lists_the_endpoints(client):
    document = client.get("/api/v1/openapi.json").json
    assert document["openapi"].startswith("3.")
    assert {"/responses", "/receipts"} <= set(document["paths"])
    assert document["servers"] == [{"url": "http://localhost/api/v1"}]


def test_scores_of_a_scope_with_and_without_flagged_responses(client, province, session, key):
    add_sipas(session, province, "H-01", n=40, satisfied=38, flagged=10)
    add_sipas(session, province, "H-02", n=5, satisfied=5)
    response = client.get("/api/v1/scores?unit=H&period=2026-07", headers=bearer(key))
    assert response.status_code == 200
    table = response.json
    assert table["period"]["key"] == "2026-07" and table["level"] == "children"
    assert {row["unit"]: row["n"] for row in table["rows"]} == {"H-01": 40, "H-02": 5}
    assert table["scope"]["n"] == 45
    assert table["rows"][1]["verdict"]["status"] == "insufficient"
    unflagged = client.get("/api/v1/scores?unit=H-01&period=2026-07&level=self&include_flagged=false",
                           headers=bearer(key)).json
    assert unflagged["scope"]["n"] == 30 and unflagged["filters"]["include_flagged"] is False
    own = client.get("/api/v1/scores?period=2026", headers=bearer(key)).json
    assert own["unit"]["code"] == "H"
    assert client.get("/api/v1/scores?unit=D1", headers=bearer(key)).status_code == 404
    assert client.get("/api/v1/scores?unit=H&period=July", headers=bearer(key)).status_code == 422
    assert client.get("/api/v1/scores?unit=H&level=everything", headers=bearer(key)).status_code == 422
    assert client.get("/api/v1/scores?unit=H&service=0.0", headers=bearer(key)).status_code == 404
    writer = make_key(session, province.units["H"], "responses:write")
    assert client.get("/api/v1/scores?unit=H", headers=bearer(writer)).status_code == 403


@pytest.fixture
def limited(app):
    """Return a second app on the same database with small rate limits switched on."""
    keep = ("TESTING", "SECRET_KEY", "DATABASE_URL", "WTF_CSRF_ENABLED", "PUBLIC_BASE_URL",
            "SESSION_COOKIE_SECURE")
    limited = create_app(
        {name: app.config[name] for name in keep}
        | {"RATELIMIT_ENABLED": True, "RATELIMIT_API": "3 per minute",
           "RATELIMIT_KIOSK_ENROL": "2 per minute"}
    )
    yield limited
    get_engine(limited).dispose()


def test_each_credential_has_its_own_budget_and_429_is_json(limited, province, session, key):
    client = limited.test_client()
    body = {"unit": "H", "dossier": "HS-1"}
    for _ in range(3):
        assert client.post("/api/v1/receipts", json=body, headers=bearer(key)).status_code == 201
    busy = client.post("/api/v1/receipts", json=body, headers=bearer(key))
    assert busy.status_code == 429 and busy.json["error"]["status"] == 429
    other = make_key(session, province.units["H"])
    assert client.post("/api/v1/receipts", json=body, headers=bearer(other)).status_code == 201
    for _ in range(2):
        assert client.post("/k/enrol", data={"code": "AAAA-BBBB"}).status_code == 200
    assert client.post("/k/enrol", data={"code": "AAAA-BBBB"}).status_code == 429
