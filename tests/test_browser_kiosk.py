"""The kiosk on a tablet in Chromium: a cold start without a network through the service worker,
ratings kept across a reload and counted once, a retired kiosk holding a queue and its re-enrolment,
a tablet whose clock is fast, and two tablets sending the same rating at once. The tablets' timers
are driven by the test (Playwright's clock)."""

import io
import threading
import uuid
from datetime import UTC, datetime, timedelta

import pytest
from sqlmodel import func, select

from survey.models import AuditEvent, HeldRating, KioskDevice, Response, utcnow
from tests.browser import CHROMIUM, CHROMIUM_ARGS, PUT_QUEUE, Switchable, queued, screenshot, wait_for
from tests.factories import PASSWORD
from tests.helpers import make_kiosk, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.slow]

TABLET = {"width": 1024, "height": 768}
KIOSK = {
    "KIOSK_THANKS_SECONDS": 1,
    # Moving a tablet's timers on moves its clock too: a tablet whose back-off the test ran for five
    # minutes is five minutes ahead of the server, within this tolerance.
    "KIOSK_CLOCK_TOLERANCE_SECONDS": 600,
    "SIGNALS_OPENING_HOURS": "00:00-24:00",
    "SIGNALS_OPEN_DAYS": "Mon-Sun",
}
FIVE_MINUTES = 5 * 60 * 1000
#: A strict Content-Security-Policy that the kiosk's pages, script and service worker must pass.
CSP = "default-src 'self'; script-src 'self'; worker-src 'self'; style-src 'self'; img-src 'self' data:"


@pytest.fixture
def server(app):
    """Serve the app, under a strict CSP, on a port the test can close and open again."""
    app.config.update(KIOSK)
    inner = app.wsgi_app

    def with_csp(environ, start_response):
        def start(status, headers, *args):
            return start_response(status, [*headers, ("Content-Security-Policy", CSP)], *args)
        return inner(environ, start)

    app.wsgi_app = with_csp
    switchable = Switchable(app).up()
    yield switchable
    switchable.down()
    app.wsgi_app = inner


@pytest.fixture
def chromium_type(browser):
    """Return Playwright's Chromium launcher (each tablet is its own browser with its own profile)."""
    return browser.browser_type


def tablet_context(chromium_type, profile, server, credential: str):
    """Start Chromium on a tablet profile (kept on disk like a real tablet's) holding the kiosk cookie."""
    context = chromium_type.launch_persistent_context(
        str(profile), executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True, viewport=TABLET
    )
    context.add_cookies([{"name": "kiosk", "value": credential, "url": server.url}])
    context.clock.install()
    context.violations = []
    context.on("console", lambda message: "Content Security Policy" in message.text
               and context.violations.append(message.text))
    return context


def count(session, **where) -> int:
    session.commit()  # end the old read snapshot
    query = select(func.count()).select_from(Response)
    for name, value in where.items():
        query = query.where(getattr(Response, name) == value)
    return session.exec(query).one()


def rate(tablet, level: int) -> None:
    """Tap a face on the kiosk, wait for the thanks and for the screen to start over."""
    tablet.wait_for_selector(".kiosk-app[data-last-sync]")  # the script runs
    tablet.wait_for_selector("#screen-start:not([hidden])")
    tablet.click(f"button.face-{level}")
    if level == 1:
        tablet.wait_for_selector("#screen-reasons:not([hidden])")
        tablet.check("#reasons-form input[name=reasons][value='1']")
        tablet.click("#reasons-form button[type=submit]")
    tablet.wait_for_selector("#screen-thanks:not([hidden])")
    tablet.clock.run_for(1500)
    tablet.wait_for_selector("#screen-start:not([hidden])")


def shell_kept(tablet) -> bool:
    """Tell whether the service worker controls the page and keeps the kiosk screen."""
    return tablet.evaluate("""async () => {
        if (!navigator.serviceWorker.controller) { return false; }
        for (const name of await caches.keys()) {
            if (await (await caches.open(name)).match('/k/')) { return true; }
        }
        return false;
    }""")


def test_a_tablet_starts_offline_keeps_ratings_across_a_reload_and_each_counts_once(
    server, chromium_type, tmp_path, province, session
):
    counter = province.counters["H-01"]
    credential = make_kiosk(session, counter)
    context = tablet_context(chromium_type, tmp_path / "tablet", server, credential)
    tablet = context.new_page()
    tablet.goto(server.url + "/k/")
    wait_for(tablet, lambda: shell_kept(tablet))
    context.close()  # the tablet is switched off ...

    server.down()  # ... and comes back where the network is gone
    context = tablet_context(chromium_type, tmp_path / "tablet", server, credential)
    tablet = context.new_page()
    tablet.goto(server.url + "/k/")
    assert "Quầy H-01" in tablet.locator(".kiosk-where").inner_text()
    rate(tablet, 3)
    rate(tablet, 1)
    assert [item["rating"] for item in queued(tablet)] == [3, 1]
    assert tablet.locator("#queue-status").inner_text() == "2 ⟳"
    screenshot(tablet, "kiosk-offline-cold-start")
    tablet.reload()  # power saving, a tap, a browser update: still offline
    tablet.wait_for_selector("#screen-start:not([hidden])")
    rate(tablet, 2)
    assert len(queued(tablet)) == 3 and count(session) == 0

    server.up()
    tablet.clock.run_for(FIVE_MINUTES)  # the back-off's next try
    wait_for(tablet, lambda: queued(tablet) == [])
    assert count(session, counter_id=counter.id, channel="kiosk") == 3
    assert count(session, suspicious=False) == 3  # the tablets' times, none out of the window
    assert tablet.locator("#queue-status").inner_text() == ""
    session.commit()
    kiosk = session.exec(select(KioskDevice)).one()
    version = tablet.locator(".kiosk-app").get_attribute("data-version")
    assert (kiosk.queued, kiosk.app_version) == (0, version) and kiosk.drained_at is not None
    assert context.violations == []
    context.close()


def test_a_retired_kiosk_tells_staff_keeps_its_queue_and_a_re_enrolment_is_decided(
    server, chromium_type, tmp_path, province, session, client, browser
):
    counter = province.counters["D1"]
    credential = make_kiosk(session, counter)
    context = tablet_context(chromium_type, tmp_path / "tablet", server, credential)
    tablet = context.new_page()
    tablet.goto(server.url + "/k/")
    wait_for(tablet, lambda: shell_kept(tablet))
    server.down()
    rate(tablet, 3)
    rate(tablet, 2)
    kiosk = session.exec(select(KioskDevice)).one()
    sign_in(client, "admin")
    client.post(f"/admin/kiosks/{kiosk.id}/active")  # retired while the tablet holds two ratings
    server.up()
    tablet.clock.run_for(FIVE_MINUTES)
    tablet.wait_for_selector("#screen-blocked:not([hidden])")
    assert tablet.locator("#screen-blocked h1:not([hidden])").inner_text() == (
        "Máy này đã ngừng sử dụng – vui lòng báo cán bộ.")
    assert tablet.locator("#held-status").inner_text().startswith("Dành cho cán bộ: 2 đánh giá")
    assert tablet.locator("#screen-start").is_hidden() and tablet.locator("#screen-thanks").is_hidden()
    screenshot(tablet, "kiosk-retired")
    tablet.reload()  # the server says so too, and the queue is still there
    tablet.wait_for_selector("#screen-blocked:not([hidden])")
    tablet.wait_for_selector(".kiosk-app[data-last-sync=failed]")  # refused before it is back in service
    assert len(queued(tablet)) == 2 and count(session) == 0

    client.post(f"/admin/kiosks/{kiosk.id}/active")  # back in service, with a new enrolment code
    page = client.post(f"/admin/kiosks/{kiosk.id}/code").get_data(as_text=True)
    code = page.split('id="enrol-code">')[1].split("<")[0]
    tablet.click("#screen-blocked a.button")
    tablet.fill("input[name=code]", code)
    tablet.click("button[type=submit]")
    tablet.wait_for_url(server.url + "/k/")
    wait_for(tablet, lambda: queued(tablet) == [])
    tablet.wait_for_selector("#screen-start:not([hidden])")
    session.commit()
    assert count(session) == 0 and len(session.exec(select(HeldRating)).all()) == 2
    rate(tablet, 3)  # a new rating counts at once
    wait_for(tablet, lambda: count(session) == 1)
    assert context.violations == []
    context.close()

    admin = browser.new_page(viewport={"width": 1280, "height": 900})
    admin.goto(server.url + "/login")
    admin.fill("#username", "admin")
    admin.fill("#password", PASSWORD)
    admin.click("button[type=submit]")
    admin.goto(server.url + "/admin/kiosks")
    assert "2 đánh giá" in admin.locator("#held").inner_text()
    screenshot(admin, "admin-kiosk-health")
    admin.click("#held button:has-text('Chấp nhận và tính')")
    admin.wait_for_url(server.url + "/admin/kiosks")
    assert admin.locator(".flash").inner_text() == "Đã chấp nhận 2 đánh giá được giữ lại."
    admin.close()
    assert count(session, counter_id=counter.id) == 3
    assert session.exec(select(AuditEvent.action).where(AuditEvent.action == "accept-held")).all()


def test_a_tablet_with_a_fast_clock_loses_nothing_and_its_ratings_are_flagged(
    server, chromium_type, tmp_path, province, session
):
    credential = make_kiosk(session, province.counters["H-02"])
    context = chromium_type.launch_persistent_context(
        str(tmp_path / "tablet"), executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True, viewport=TABLET
    )
    context.add_cookies([{"name": "kiosk", "value": credential, "url": server.url}])
    fast = timedelta(minutes=12)
    context.clock.install(time=datetime.now(UTC) + fast)
    tablet = context.new_page()
    tablet.goto(server.url + "/k/")
    rate(tablet, 3)
    rate(tablet, 1)
    wait_for(tablet, lambda: count(session) == 2 and queued(tablet) == [])
    assert queued(tablet, "refused") == []
    session.commit()
    rows = session.exec(select(Response.submitted_at, Response.suspicious_reason)).all()
    now = utcnow()
    for at, reason in rows:  # the tablet's time, its clock's error taken out
        assert abs(at.replace(tzinfo=UTC) - now) < timedelta(minutes=1) and reason == "clock"
    assert 700 <= session.exec(select(KioskDevice.clock_skew_seconds)).one() <= 740
    context.close()


def test_two_tablets_sending_the_same_rating_at_once_count_it_once(
    app, server, chromium_type, tmp_path, province, session
):
    credentials = [make_kiosk(session, province.counters[code]) for code in ("H-01", "H-02")]
    tablets = []
    for number, credential in enumerate(credentials):
        context = tablet_context(chromium_type, tmp_path / f"tablet-{number}", server, credential)
        tablet = context.new_page()
        tablet.goto(server.url + "/k/")
        tablet.wait_for_selector("#screen-start:not([hidden])")
        tablets.append(tablet)
    for tablet in tablets:  # the first syncs are over; from now on the test moves the clocks
        tablet.wait_for_selector(".kiosk-app[data-last-sync=ok]")
        tablet.clock.pause_at(tablet.evaluate("Date.now()") + 1000)
    same = {"id": str(uuid.uuid4()), "rating": 3, "reasons": None, "language": "vi",
            "answered_at": datetime.now(UTC).isoformat()}
    for tablet in tablets:
        tablet.evaluate(PUT_QUEUE, same)
    # The two syncs carrying it enter the app together: neither finds the other's row before inserting.
    barrier, inner = threading.Barrier(2, timeout=20), app.wsgi_app
    arrived = []

    def together(environ, start_response):
        body = environ["wsgi.input"].read(int(environ.get("CONTENT_LENGTH") or 0))
        environ["wsgi.input"] = io.BytesIO(body)
        if same["id"].encode() in body:
            arrived.append(environ["PATH_INFO"])
            barrier.wait()
        return inner(environ, start_response)

    app.wsgi_app = together
    for tablet in tablets:  # the heartbeat, due in five minutes
        tablet.clock.run_for(FIVE_MINUTES + 1000)

    def settled() -> bool:
        """Move both clocks on a little (a sync answered meanwhile schedules the next at once)."""
        for tablet in tablets:
            tablet.clock.run_for(100)
        return all(queued(tablet) == [] for tablet in tablets)

    wait_for(tablets[0], settled, timeout_ms=30_000)
    app.wsgi_app = inner
    assert arrived == ["/k/sync", "/k/sync"]
    assert count(session, idempotency_key=same["id"]) == 1 and count(session) == 1
    for tablet in tablets:
        assert queued(tablet, "refused") == []
        tablet.context.close()
