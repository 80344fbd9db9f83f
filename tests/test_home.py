"""The landing page (plain in a deployment, with counter links in the demo), short codes, the icon."""

from survey.models import Counter, UnitKind
from tests.factories import make_unit


def test_a_deployment_shows_no_counter_link(client, session, province):
    make_unit(session, "TTPVHCC", UnitKind.CENTRE, province.root, "Trung tâm Phục vụ hành chính công tỉnh")
    session.commit()
    page = client.get("/").text
    assert "<h1>Trung tâm Phục vụ hành chính công tỉnh</h1>" in page
    assert "/c/token-" not in page and "manager" not in page and "make run" not in page
    assert "quét mã QR" in page and 'action="/c/"' in page and 'href="/login"' in page


def test_without_a_centre_the_root_unit_is_named(client, province):
    assert "<h1>Tỉnh Thử nghiệm</h1>" in client.get("/").text


def test_the_demo_lists_counters_and_both_demo_accounts(app, client, province):
    app.config["DEMO"] = True
    page = client.get("/").text
    assert 'href="/c/token-d1-0123456789"' in page
    assert "manager" in page and "admin" in page


def test_the_demo_without_counters_says_how_to_make_them(app, client):
    app.config["DEMO"] = True
    page = client.get("/").text
    assert "/c/token-" not in page and "flask --app survey demo" in page


def test_a_typed_short_code_opens_the_counter_survey(client, session, province):
    counter = session.get(Counter, province.counters["D1"].id)
    assert len(counter.short_code) == 6
    code = counter.short_code
    typed = client.get("/c/", query_string={"code": f" {code.lower()[:3]} {code[3:]}"})
    assert typed.status_code == 303 and typed.location == f"/c/{counter.short_code}"
    short = client.get(typed.location)
    assert (short.status_code, short.location) == (303, "/c/token-d1-0123456789")
    assert client.get("/c/ZZZZZZ" if counter.short_code != "ZZZZZZ" else "/c/YYYYYY").status_code == 404
    assert client.get("/c/", query_string={"code": ""}).location == "/"


def test_icon_and_description(client):
    icon = client.get("/favicon.ico")
    assert icon.status_code == 200 and icon.mimetype == "image/svg+xml" and b"<svg" in icon.data
    page = client.get("/").text
    assert '<meta name="description" content="' in page and 'rel="icon"' in page


def test_health(client):
    assert client.get("/healthz").get_json() == {"status": "ok"}
