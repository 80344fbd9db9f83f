"""Input no one should send gets a clear 4xx, never a 500: NUL bytes, lone surrogates, deeply
nested JSON, absurd periods, wrong methods (docs/security.md)."""

import uuid

import pytest

from tests.helpers import D1, aged_ticket, answers, bearer, make_key, sign_in

ABSURD = ["9999", "0001-01-01..9999-12-31", "0001", "1999-Q4", "2100-01"]
PERIOD_ROUTES = ["/manage/", "/manage/unit/P", "/manage/unit/P/report", "/manage/unit/P/export.csv",
                 "/manage/unit/P/export.xlsx", "/manage/unit/P/trend.svg", "/manage/unit/P/funnel.svg",
                 "/manage/export.csv"]


@pytest.fixture
def key(session, province):
    return make_key(session, province.units["P"])


@pytest.mark.parametrize("path", ["/c/%00", "/manage/unit/P?q=a%00b", "/manage/unit/P%00",
                                  "/r/abc%00def", "/?lang=%00"])
def test_nul_in_a_url_is_a_bad_request(client, province, path):
    sign_in(client, "admin")
    response = client.get(path)
    assert response.status_code == 400 and "ký tự không thể lưu được" in response.text


def test_nul_in_a_survey_form_is_a_bad_request_and_stores_nothing(app, client, province):
    data = answers() | {"ticket": aged_ticket(app), "comment": "tốt\x00lắm"}
    assert client.post(D1, data=data).status_code == 400
    assert client.post(D1, data=answers() | {"ticket": aged_ticket(app)}).status_code == 303


def test_nul_in_the_api_query_is_a_json_bad_request(client, key):
    response = client.get("/api/v1/scores?service=%00", headers=bearer(key))
    assert response.status_code == 400 and response.json["error"]["status"] == 400


@pytest.mark.parametrize("body", [
    '{"unit": "P", "dossier": "HS-\\ud800-1"}',
    '{"unit": "P", "dossier": "HS-1", "\\udfff": 1}',
    '{"unit": ' + "[" * 5000 + "]" * 5000 + "}",
    "[" * 100000 + "]" * 100000,
])
def test_unstorable_or_deep_json_is_a_bad_request(client, key, body):
    response = client.post("/api/v1/receipts", data=body, content_type="application/json",
                           headers=bearer(key))
    assert response.status_code == 400 and response.json["error"]["status"] == 400


def test_lone_surrogates_in_a_batch_are_refused_whole(client, key):
    body = '{"responses": [{"id": "%s", "unit": "P\\ud83d", "answers": {"OVERALL": 4}}]}' % uuid.uuid4()  # noqa: UP031
    response = client.post("/api/v1/responses", data=body, content_type="application/json",
                           headers=bearer(key))
    assert response.status_code == 400


@pytest.mark.parametrize("period", ABSURD)
@pytest.mark.parametrize("route", PERIOD_ROUTES)
def test_absurd_periods_on_pages_exports_and_charts_fall_back_clearly(client, province, route, period):
    sign_in(client, "admin")
    response = client.get(f"{route}?period={period}")
    assert response.status_code == 200  # the form says the period is not valid; the default is shown


@pytest.mark.parametrize("period", ABSURD)
def test_absurd_periods_in_the_api_are_unprocessable(client, key, period):
    response = client.get(f"/api/v1/scores?unit=P&period={period}", headers=bearer(key))
    assert response.status_code == 422 and "2000–2099" in response.json["error"]["message"]


@pytest.mark.parametrize(("method", "path", "allow"), [
    ("put", "/api/v1/responses", "POST"), ("delete", "/api/v1/receipts", "POST"),
    ("post", "/api/v1/scores", "GET"), ("patch", "/api/v1/openapi.json", "GET"),
])
def test_a_wrong_method_on_an_api_route_is_405_with_allow(client, key, method, path, allow):
    response = getattr(client, method)(path, headers=bearer(key))
    assert response.status_code == 405 and response.json["error"]["status"] == 405
    assert allow in response.headers["Allow"]


def test_an_unknown_api_path_is_a_json_404(client, key):
    for method in ("get", "put", "post"):
        response = getattr(client, method)("/api/v1/nowhere", headers=bearer(key))
        assert response.status_code == 404 and "openapi.json" in response.json["error"]["message"]
    assert client.get("/manage/nowhere").content_type.startswith("text/html")
