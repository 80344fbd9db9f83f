"""The public results page: off until an administrator enables it, small groups hidden, no comments."""

import re
from datetime import UTC, datetime

from sqlmodel import select

from survey.models import PublicPage
from tests import factories
from tests.helpers import events, sign_in

PAGE = "/public/P?period=2026-07"


def publish(client, province) -> None:
    sign_in(client, "admin")
    assert client.post(f"/admin/units/{province.root.id}/public").status_code == 303
    client.post("/logout")


def test_the_page_is_off_until_an_administrator_publishes_it(app, session, province, client):
    factories.verdict_mix(session, province)
    assert client.get(PAGE).status_code == 404
    sign_in(client, "district")  # a unit manager may not publish
    assert client.post(f"/admin/units/{province.units['H'].id}/public").status_code == 404
    publish(client, province)
    assert client.get(PAGE).status_code == 200
    assert client.get("/public/H").status_code == 404  # publishing is per scope
    [event] = events(session, "publish", "public_page")
    sign_in(client, "admin")
    unit_page = client.get(f"/admin/units/{province.root.id}").get_data(as_text=True)
    assert "http://localhost/public/P" in unit_page and "Ngừng công khai" in unit_page
    client.post(f"/admin/units/{province.root.id}/public")
    client.post("/logout")
    assert client.get(PAGE).status_code == 404
    session.commit()
    assert session.exec(select(PublicPage)).one().enabled is False


def test_verdicts_and_intervals_are_shown_small_groups_and_comments_are_not(app, session, province, client):
    factories.verdict_mix(session, province)
    publish(client, province)
    html = client.get(PAGE).get_data(as_text=True)
    assert "Mức độ hài lòng của người dân với Tỉnh Thử nghiệm" in html
    row = lambda name: re.search(rf'<th scope="row">{name}</th>(.*?)</tr>', html, re.S)[1]  # noqa: E731
    assert "100,00%" in row("Đơn vị D1") and "Đạt mục tiêu" in row("Đơn vị D1")
    assert "50,00%" in row("Đơn vị D2") and "Chưa đạt mục tiêu" in row("Đơn vị D2")
    assert ">60<" in row("Đơn vị D2")
    # H has 50 responses (H-01's 40 and H-02's 10): shown; a minimum of 51 hides it.
    assert "Chưa kết luận được" in row("Đơn vị H")
    for comment in ("Cán bộ rất nhiệt tình", "Phải chờ quá lâu"):
        assert comment not in html
    assert "<script" not in html and "Cách tính các số liệu này" in html
    app.config["PUBLIC_MIN_N"] = 51
    html = client.get(PAGE).get_data(as_text=True)
    assert "Dưới 51 phiếu: không công bố." in row("Đơn vị H")
    assert not re.search(r"\d,\d\d%", row("Đơn vị H")) and ">50<" not in row("Đơn vị H")


def test_the_trend_leaves_out_small_months(app, session, province, client):
    may, june = datetime(2026, 5, 10, 3, tzinfo=UTC), datetime(2026, 6, 10, 3, tzinfo=UTC)
    factories.add_sipas(session, province, "D1", n=40, satisfied=40, when=may)
    factories.add_sipas(session, province, "D1", n=5, satisfied=0, when=june)
    factories.add_sipas(session, province, "D1", n=40, satisfied=30)
    publish(client, province)
    html = client.get("/public/P?period=2026-05-01..2026-07-31").get_data(as_text=True)
    labels = re.findall(r'aria-label="([^"]*)"', html)
    assert "05/2026: 100,0%; 07/2026: 75,0%" in labels
    assert not any("06/2026" in label for label in labels)


def test_the_page_is_cacheable_and_answers_304(app, session, province, client):
    factories.verdict_mix(session, province)
    publish(client, province)
    client = app.test_client()  # a visitor who never signed in
    first = client.get(PAGE)
    assert first.headers["Cache-Control"] in ("public, max-age=3600", "max-age=3600, public")
    assert "Set-Cookie" not in first.headers
    again = client.get(PAGE, headers={"If-None-Match": first.headers["ETag"]})
    assert again.status_code == 304
    factories.add_sipas(session, province, "D1", n=1, satisfied=1)  # new data: a new page
    assert client.get(PAGE, headers={"If-None-Match": first.headers["ETag"]}).status_code == 200


def test_bad_periods_and_unknown_units_are_404(app, session, province, client):
    publish(client, province)
    for url in ("/public/P?period=2026-13", "/public/P?period=nonsense", "/public/NOPE"):
        assert client.get(url).status_code == 404
