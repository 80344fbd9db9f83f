"""The counter kiosk without JavaScript: enrolment, rating screens, idempotency, flags."""

import re
import uuid
from datetime import timedelta

from sqlalchemy import text
from sqlmodel import func, select

from survey.models import KioskDevice, Response, Unit, utcnow
from tests.helpers import bearer, make_key, make_kiosk, sign_in

OPEN_ALL_DAY = {"SIGNALS_OPENING_HOURS": "00:00-24:00", "SIGNALS_OPEN_DAYS": "Mon-Sun"}


def new_kiosk(client, counter, *, interval: int = 10) -> str:
    """Add a kiosk to a counter through the admin pages; return its enrolment code."""
    sign_in(client, "admin")
    page = client.post(f"/admin/counters/{counter.id}/kiosks",
                       data={"name": "Máy tính bảng 1", "min_interval_seconds": interval})
    assert page.status_code == 200 and page.headers["Cache-Control"] == "no-store"
    return re.search(r'id="enrol-code">([^<]+)<', page.get_data(as_text=True)).group(1)


def enrolled(app, client, counter, **options):
    """Return a test client of a tablet enrolled at the counter."""
    app.config.update(OPEN_ALL_DAY)
    code = new_kiosk(client, counter, **options)
    tablet = app.test_client()
    response = tablet.post("/k/enrol", data={"code": code.lower().replace("-", " ")})
    assert response.status_code == 303 and response.headers["Location"] == "/k/"
    return tablet


def form_key(page: str) -> str:
    return re.search(r'name="key" value="([^"]+)"', page).group(1)


def stored(session) -> list[tuple]:
    session.commit()
    rows = session.execute(
        text("SELECT r.channel, r.counter_id, r.kiosk_id, r.suspicious_reason, a.v01, a.v02"
             " FROM response r JOIN answer a ON a.response_id = r.id ORDER BY r.id")
    ).all()
    return [tuple(row) for row in rows]


def test_enrolment_sets_a_long_lived_http_only_cookie_once(app, client, province, session):
    code = new_kiosk(client, province.counters["H-01"])
    assert re.fullmatch(r"[2-9A-HJ-NP-Z]{4}-[2-9A-HJ-NP-Z]{4}", code)
    tablet = app.test_client()
    response = tablet.post("/k/enrol", data={"code": code})
    cookie = response.headers["Set-Cookie"]
    assert cookie.startswith("kiosk=") and "HttpOnly" in cookie
    assert "SameSite=Strict" in cookie and "Max-Age=157680000" in cookie
    device = session.exec(select(KioskDevice)).one()
    assert device.credential_hash and device.enrol_code_hash is None and device.enrolled_at
    assert code not in device.credential_hash
    second = app.test_client().post("/k/enrol", data={"code": code})
    assert second.status_code == 200 and "kiosk=" not in second.headers.get("Set-Cookie", "")


def test_expired_or_wrong_codes_are_refused(app, client, province, session):
    code = new_kiosk(client, province.counters["H-01"])
    device = session.exec(select(KioskDevice)).one()
    device.enrol_expires_at = utcnow() - timedelta(seconds=1)
    session.commit()
    assert app.test_client().post("/k/enrol", data={"code": code}).status_code == 200
    assert app.test_client().post("/k/enrol", data={"code": "ABCD-EFGH"}).status_code == 200
    assert app.test_client().get("/k/").headers["Location"] == "/k/enrol"


def test_a_satisfied_rating_is_recorded_once_and_the_screen_resets(app, client, province, session):
    counter = province.counters["H-01"]
    tablet = enrolled(app, client, counter)
    page = tablet.get("/k/")
    assert page.status_code == 200 and page.headers["Cache-Control"] == "no-store"
    body = page.get_data(as_text=True)
    assert "Rất hài lòng" in body and "Quầy H-01" in body
    key = form_key(body)
    response = tablet.post("/k/", data={"key": key, "rating": "3"})
    assert response.status_code == 303 and response.headers["Location"] == "/k/thanks"
    assert tablet.post("/k/", data={"key": key, "rating": "3"}).status_code == 303  # reloaded: same key
    thanks = tablet.get("/k/thanks").get_data(as_text=True)
    assert 'content="4;url=/k/"' in thanks and "Rất hài lòng" in thanks  # the start screen, hidden
    device = session.exec(select(KioskDevice)).one()
    assert stored(session) == [("kiosk", counter.id, device.id, None, 3, None)]
    assert form_key(tablet.get("/k/").get_data(as_text=True)) != key


def test_not_satisfied_asks_reasons_before_recording(app, client, province, session):
    tablet = enrolled(app, client, province.counters["H-02"])
    key = form_key(tablet.get("/k/").get_data(as_text=True))
    reasons = tablet.post("/k/", data={"key": key, "rating": "1"})
    assert reasons.status_code == 200 and "Chờ đợi lâu" in reasons.get_data(as_text=True)
    assert stored(session) == []
    done = tablet.post("/k/",
                       data={"key": key, "rating": "1", "step": "reasons", "reasons": ["1", "3", "99"]})
    assert done.status_code == 303 and "rating" not in done.headers["Location"]
    assert [row[4:] for row in stored(session)] == [(1, 0b101)]


def test_bad_posts_are_refused(app, client, province, session):
    tablet = enrolled(app, client, province.counters["H-02"])
    assert tablet.post("/k/", data={"key": "not-a-uuid", "rating": "3"}).status_code == 400
    assert tablet.post("/k/", data={"key": str(uuid.uuid4()), "rating": "5"}).status_code == 400
    assert app.test_client().post("/k/", data={"key": str(uuid.uuid4()), "rating": "3"}).status_code == 303
    assert stored(session) == []


def test_ratings_faster_than_the_device_interval_are_kept_but_flagged(app, client, province, session):
    tablet = enrolled(app, client, province.counters["D1"], interval=60)
    for rating in ("2", "3"):
        tablet.post("/k/", data={"key": str(uuid.uuid4()), "rating": rating})
    assert [row[3] for row in stored(session)] == [None, "interval"]
    assert session.exec(select(Response.suspicious)).all() == [False, True]


def test_a_new_code_or_retiring_the_kiosk_stops_the_old_credential(app, client, province, session):
    tablet = enrolled(app, client, province.counters["D1"])
    device = session.exec(select(KioskDevice)).one()
    assert tablet.get("/k/").status_code == 200
    client.post(f"/admin/kiosks/{device.id}/code")
    assert tablet.get("/k/").headers["Location"] == "/k/enrol"
    tablet = enrolled(app, client, province.counters["D2"])
    session.commit()
    second = session.exec(select(KioskDevice).order_by(KioskDevice.id.desc())).first()
    client.post(f"/admin/kiosks/{second.id}/active")
    retired = tablet.get("/k/")  # the staff are told, and no citizen is thanked
    assert retired.status_code == 403 and 'data-state="retired"' in retired.get_data(as_text=True)
    assert "Máy này đã ngừng sử dụng – vui lòng báo cán bộ." in retired.get_data(as_text=True)
    key = str(uuid.uuid4())
    assert tablet.post("/k/", data={"key": key, "rating": "3"}).status_code == 403
    assert tablet.get("/k/thanks").status_code == 403
    client.post(f"/admin/kiosks/{second.id}/active")  # back in service
    assert tablet.get("/k/").status_code == 200
    client.post(f"/admin/counters/{province.counters['D2'].id}/active")  # the counter closes
    closed = tablet.get("/k/").get_data(as_text=True)
    assert "Quầy này đã ngừng hoạt động – vui lòng báo cán bộ." in closed
    assert stored(session) == []


def test_bursts_closed_hours_and_repeated_answers_are_flagged_at_write_time(app, client, province, session):
    credential = make_kiosk(session, province.counters["H-01"])
    tops = [{"id": str(uuid.uuid4()), "rating": 3} for _ in range(5)]
    app.config.update(OPEN_ALL_DAY)
    client.post("/api/v1/responses", json={"responses": tops}, headers=bearer(credential))
    assert [row[3] for row in stored(session)] == [None] * 4 + ["burst"]
    app.config.update({"SIGNALS_OPENING_HOURS": "00:00-00:00"})  # closed all day
    low = {"id": str(uuid.uuid4()), "rating": 1}
    client.post("/api/v1/responses", json={"responses": [low]}, headers=bearer(credential))
    assert stored(session)[-1][3] == "off-hours"
    app.config.update(OPEN_ALL_DAY)
    key = make_key(session, province.units["H"])
    same = {"A1": 5, "A2": 5, "B1": 4, "C1": 5}
    items = [
        {"id": str(uuid.uuid4()), "counter": province.counters["H-02"].id, "channel": channel,
         "instrument": "sipas-service", "answers": same}
        for channel in ("kiosk", "kiosk", "kiosk", "paper", "kiosk")
    ]
    client.post("/api/v1/responses", json={"responses": items}, headers=bearer(key))
    assert [row[3] for row in stored(session)[-5:]] == [None, None, None, None, "repeated-pattern"]


def test_a_deactivated_units_kiosk_takes_no_ratings(app, client, session, province):
    counter = province.counters["H-01"]
    credential = make_kiosk(session, counter)
    unit = session.get(Unit, counter.unit_id)
    unit.active = False
    session.commit()
    item = {"id": str(uuid.uuid4()), "rating": 3}
    result = client.post("/api/v1/responses", json={"responses": [item]}, headers=bearer(credential))
    assert result.status_code == 401  # a closed unit's kiosk credential stops working (docs/kiosk.md)
    client.set_cookie("kiosk", credential)
    assert client.get("/k/").status_code == 403
    assert client.post("/k/", data={"rating": "3", "key": str(uuid.uuid4())}).status_code == 403
    session.rollback()
    assert session.exec(select(func.count()).select_from(Response)).one() == 0
