"""The kiosk's sync at /k/sync: results per rating, the tablet's report, bounded times, states,
held ratings and the administrator's decision, and the kiosk health page."""

import json
import uuid
from datetime import UTC, datetime, timedelta

import pytest
from sqlmodel import select

from survey.models import HeldRating, KioskDevice, Response, utcnow
from tests.helpers import events, make_kiosk, sign_in

OPEN_ALL_DAY = {"SIGNALS_OPENING_HOURS": "00:00-24:00", "SIGNALS_OPEN_DAYS": "Mon-Sun"}


@pytest.fixture
def tablet(app, province, session):
    """Return a test client holding the credential of a kiosk at counter D1 (no minimum interval)."""
    app.config.update(OPEN_ALL_DAY)
    client = app.test_client()
    client.set_cookie("kiosk", make_kiosk(session, province.counters["D1"]))
    return client


def rating(at: datetime | None = None, value: int = 3, **extra) -> dict:
    """Return a queued rating as the kiosk script keeps it."""
    item = {"id": str(uuid.uuid4()), "rating": value, "reasons": [], "language": "vi"} | extra
    if at is not None:
        item["answered_at"] = at.isoformat()
    return item


def sync(tablet, items: list[dict], *, sent_at: datetime | None = None, queued: int | None = None,
         refused: int = 0, version: str = "abc123"):
    """Post a sync as the kiosk script does; return the response."""
    body = {"sent_at": (sent_at or utcnow()).isoformat(), "queued": len(items) if queued is None else queued,
            "refused": refused, "version": version, "responses": items}
    return tablet.post("/k/sync", json=body)


def stored(session) -> list[tuple]:
    session.commit()
    query = select(Response.idempotency_key, Response.submitted_at, Response.suspicious_reason)
    return [(key, at.replace(tzinfo=UTC) if at.tzinfo is None else at, reason)
            for key, at, reason in session.exec(query.order_by(Response.id)).all()]


def device(session) -> KioskDevice:
    session.commit()
    return session.exec(select(KioskDevice)).one()


def test_a_sync_records_each_uuid_once_and_keeps_the_tablets_report(tablet, session):
    now = utcnow()
    items = [rating(now - timedelta(minutes=20)), rating(now - timedelta(minutes=10), value=1, reasons=[2])]
    first = sync(tablet, items, queued=5, refused=1)
    assert first.status_code == 200 and first.json["state"] == "ready"
    assert [r["status"] for r in first.json["results"]] == ["created", "created"]
    again = sync(tablet, items)
    assert [r["status"] for r in again.json["results"]] == ["duplicate", "duplicate"]
    rows = stored(session)
    assert [row[0] for row in rows] == [item["id"] for item in items]
    # The citizen's time on the tablet is the response's time, not the time of the sync.
    assert abs(rows[0][1] - (now - timedelta(minutes=20))) < timedelta(seconds=1)
    assert [row[2] for row in rows] == [None, None]
    kiosk = device(session)
    assert (kiosk.queued, kiosk.refused, kiosk.app_version, kiosk.clock_skew_seconds) == (0, 0, "abc123", 0)
    assert kiosk.last_seen_at is not None and kiosk.drained_at is not None


def test_the_first_sync_of_a_longer_queue_reports_what_is_left(tablet, session):
    sync(tablet, [rating(utcnow())], queued=130, refused=2)
    kiosk = device(session)
    assert (kiosk.queued, kiosk.refused, kiosk.drained_at) == (129, 2, None)


def test_a_fast_tablet_clock_is_taken_out_and_flagged_never_refused(tablet, session):
    now = utcnow()
    fast = timedelta(minutes=10)
    items = [rating(now - timedelta(minutes=3) + fast), rating(now + fast)]
    answer = sync(tablet, items, sent_at=now + fast)
    assert [r["status"] for r in answer.json["results"]] == ["created", "created"]
    rows = stored(session)
    assert abs(rows[0][1] - (now - timedelta(minutes=3))) < timedelta(seconds=2)
    assert [row[2] for row in rows] == ["clock", "clock"]
    assert device(session).clock_skew_seconds == 600


def test_times_outside_the_window_move_to_its_edge_and_are_flagged(app, tablet, session):
    now = utcnow()
    ahead, ancient, naive = rating(now + timedelta(hours=2)), rating(now - timedelta(days=30)), rating()
    naive["answered_at"] = "2026-03-01T08:00:00"
    answer = sync(tablet, [ahead, ancient, naive], sent_at=now)  # sent_at right: an item's own clock is off
    assert [r["status"] for r in answer.json["results"]] == ["created", "created", "invalid"]
    rows = stored(session)
    assert [row[2] for row in rows] == ["clock", "clock"]
    assert abs(rows[0][1] - now) < timedelta(seconds=5)
    max_age = timedelta(hours=app.config["KIOSK_MAX_AGE_HOURS"])
    assert abs(rows[1][1] - (now - max_age)) < timedelta(seconds=5)


def test_a_rating_back_dated_before_the_last_empty_sync_is_flagged_late(tablet, session):
    assert sync(tablet, []).status_code == 200  # a heartbeat: nothing queued
    now = utcnow()
    items = [rating(now - timedelta(hours=3)), rating(now - timedelta(seconds=30))]
    sync(tablet, items)
    assert [row[2] for row in stored(session)] == ["late", None]


@pytest.mark.parametrize(("change", "status", "state"), [
    ("retire", 403, "retired"), ("close-counter", 403, "closed"), ("close-unit", 403, "closed"),
    ("new-code", 401, "unknown"),
])
def test_a_kiosk_out_of_service_gets_its_state_and_stores_nothing(
    client, tablet, province, session, change, status, state
):
    kiosk = device(session)
    sign_in(client, "admin")
    target = {"retire": f"/admin/kiosks/{kiosk.id}/active", "new-code": f"/admin/kiosks/{kiosk.id}/code",
              "close-counter": f"/admin/counters/{province.counters['D1'].id}/active",
              "close-unit": f"/admin/units/{province.units['D1'].id}/active"}[change]
    assert client.post(target).status_code in (200, 303)
    answer = sync(tablet, [rating(utcnow())])
    assert (answer.status_code, answer.json) == (status, {"state": state})
    assert stored(session) == []


def test_a_reactivated_kiosk_holds_older_ratings_for_an_audited_decision(client, tablet, province, session):
    kiosk = device(session)
    taken = [rating(utcnow() - timedelta(minutes=minutes)) for minutes in (30, 20, 10)]
    sign_in(client, "admin")
    client.post(f"/admin/kiosks/{kiosk.id}/active")  # retired while the tablet holds three ratings
    assert sync(tablet, taken[:2]).json == {"state": "retired"}
    client.post(f"/admin/kiosks/{kiosk.id}/active")  # back in service
    answer = sync(tablet, taken[:2])
    assert [r["status"] for r in answer.json["results"]] == ["held", "held"]
    assert [r["status"] for r in sync(tablet, taken).json["results"]] == ["held", "held", "held"]
    new = rating(utcnow())
    assert sync(tablet, [new]).json["results"][0]["status"] == "created"
    session.commit()
    assert len(session.exec(select(HeldRating)).all()) == 3
    page = client.get("/admin/kiosks?lang=en").get_data(as_text=True)
    assert "Ratings held for a decision" in page and "3 ratings" in page
    decided = client.post(f"/admin/kiosks/{kiosk.id}/held/accept")
    assert decided.status_code == 303
    assert [row[0] for row in stored(session)] == [new["id"]] + [item["id"] for item in taken]
    assert session.exec(select(HeldRating)).all() == []
    [event] = events(session, "accept-held", "kiosk_device")
    assert json.loads(event.after)["ratings"] == 3 and event.entity_id == kiosk.id
    # A resent rating that was accepted is counted once.
    assert sync(tablet, taken).json["results"][0]["status"] == "duplicate"


def test_discarding_held_ratings_stores_nothing_and_is_audited(client, app, province, session):
    sign_in(client, "admin")
    page = client.post(f"/admin/counters/{province.counters['D2'].id}/kiosks",
                       data={"name": "Máy 2", "min_interval_seconds": 0}).get_data(as_text=True)
    code = page.split('id="enrol-code">')[1].split("<")[0]
    app.config.update(OPEN_ALL_DAY)
    tablet = app.test_client()
    before = rating(utcnow() - timedelta(minutes=5))  # taken before this enrolment (a wiped tablet)
    tablet.post("/k/enrol", data={"code": code})
    assert sync(tablet, [before]).json["results"][0]["status"] == "held"
    kiosk = device(session)
    assert client.post(f"/admin/kiosks/{kiosk.id}/held/discard").status_code == 303
    assert stored(session) == [] and session.exec(select(HeldRating)).all() == []
    [event] = events(session, "discard-held", "kiosk_device")
    assert json.loads(event.after)["ratings"] == 1
    assert client.post(f"/admin/kiosks/{kiosk.id}/held/maybe").status_code == 404


@pytest.mark.parametrize("body", [
    "not json", "[]", "{" * 5000 + "}" * 5000, json.dumps({"responses": "x"}),
    json.dumps({"responses": [{}] * 101}),
])
def test_bad_sync_bodies_are_refused_without_an_error(tablet, session, body):
    answer = tablet.post("/k/sync", data=body, content_type="application/json")
    assert answer.status_code == 400
    assert stored(session) == []


def test_odd_items_and_reports_get_a_result_each(tablet, session):
    odd = [{"id": "nope", "rating": 3}, {"id": str(uuid.uuid4()), "rating": 9},
           {"id": str(uuid.uuid4()), "rating": True}, 7,
           {"id": str(uuid.uuid4()), "rating": 2, "answered_at": "0001-01-01T00:00:00+00:00"}]
    answer = tablet.post("/k/sync", json={"sent_at": "9999-12-31T23:59:59+14:00", "queued": -4,
                                           "refused": "many", "version": "v\x00\ud800" * 30,
                                           "responses": odd})
    assert answer.status_code == 200
    statuses = [r["status"] for r in answer.json["results"]]
    assert statuses == ["invalid", "invalid", "invalid", "invalid", "created"]
    kiosk = device(session)
    assert (kiosk.queued, kiosk.refused, kiosk.app_version) == (0, 0, "v" * 30)
    assert [row[2] for row in stored(session)] == ["clock"]


def test_the_service_worker_is_served_at_the_kiosk_scope(client, tablet):
    worker = client.get("/k/sw.js")  # no credential needed: it holds nothing of a counter
    assert worker.status_code == 200 and worker.mimetype == "text/javascript"
    body = worker.get_data(as_text=True)
    page = tablet.get("/k/").get_data(as_text=True)
    version = page.split('data-version="')[1].split('"')[0]
    assert f'var VERSION = "{version}";' in body and '"/static/kiosk.js"' in body
    assert "<script>" not in page and " onclick=" not in page


def test_kiosk_health_lists_silent_kiosks_and_what_each_reported(app, client, tablet, province, session):
    quiet = make_kiosk(session, province.counters["H-01"])
    assert quiet
    session.commit()
    [_, second] = session.exec(select(KioskDevice).order_by(KioskDevice.id)).all()
    second.last_seen_at = utcnow() - timedelta(hours=3)
    second.name = "Máy im lặng"
    session.commit()
    sync(tablet, [rating(utcnow()), rating(utcnow(), value=1)], version="old-version")
    sign_in(client, "admin")
    page = client.get("/admin/kiosks?lang=en")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    silent = html.split('id="silent"')[1].split("</section>")[0]
    assert "Máy im lặng" in silent and "Tab" not in silent
    row = html.split(f'data-kiosk="{device_id(session, "Tab")}"')[1].split("</tr>")[0]
    cells = [cell.split(">", 1)[1] for cell in row.split("<td")[1:]]
    assert cells[2].startswith("in service") and cells[4].startswith("2")
    assert "outdated" in cells[7] and cells[8].startswith("right") and cells[9].startswith("0.0")
    sign_in(client, "district")  # a unit manager sees the kiosks of their subtree only
    html = client.get("/admin/kiosks").get_data(as_text=True)
    assert "Máy im lặng" in html and f'data-kiosk="{device_id(session, "Tab")}"' not in html


def device_id(session, name: str) -> int:
    return session.exec(select(KioskDevice.id).where(KioskDevice.name == name)).one()
