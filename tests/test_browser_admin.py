"""In Chromium: a province admin sets up a counter, prints its poster, enrols a kiosk, and sees
its first ratings, including ratings taken while the network was down."""

import pytest
from playwright.sync_api import Error as PlaywrightError
from sqlalchemy import text
from sqlmodel import func, select

from survey.models import Counter, Response
from tests.browser import queued, screenshot, wait_for
from tests.factories import PASSWORD
from tests.helpers import make_kiosk

pytestmark = [pytest.mark.browser, pytest.mark.slow]

DESKTOP = {"width": 1280, "height": 900}
TABLET = {"width": 1024, "height": 768}
FAST_KIOSK = {
    "KIOSK_THANKS_SECONDS": 1,
    "KIOSK_RETRY_SECONDS": 1,
    "SIGNALS_OPENING_HOURS": "00:00-24:00",
    "SIGNALS_OPEN_DAYS": "Mon-Sun",
}


def count(session, counter_id: int) -> int:
    session.commit()  # end the old read snapshot
    query = select(func.count()).select_from(Response).where(Response.counter_id == counter_id)
    return session.exec(query).one()


def sign_in_as_admin(browser, live_server):
    page = browser.new_page(viewport=DESKTOP)
    page.goto(live_server + "/login")
    page.fill("#username", "admin")
    page.fill("#password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(live_server + "/manage/")
    return page


def rate(tablet, level: int) -> None:
    """Tap a face on the kiosk and wait for the screen to start over."""
    tablet.wait_for_selector("#screen-start:not([hidden])")
    tablet.click(f"button.face-{level}")
    if level == 1:
        tablet.wait_for_selector("#screen-reasons:not([hidden])")
        tablet.check("#reasons-form input[name=reasons][value='1']")
        tablet.click("#reasons-form button[type=submit]")
    tablet.wait_for_selector("#screen-thanks:not([hidden])")


def test_admin_sets_up_a_counter_prints_enrols_a_kiosk_and_sees_ratings(
    app, browser, live_server, province, session
):
    app.config.update(FAST_KIOSK)
    page = sign_in_as_admin(browser, live_server)
    page.goto(live_server + "/admin/")
    page.click(f"a[href='/admin/units/{province.units['H-01'].id}']")
    screenshot(page, "admin-unit")
    page.fill("form[action$='/counters'] input[name=name]", "Quầy số 2")
    page.select_option("form[action$='/counters'] select[name=instrument]", "quick-3")
    page.click("form[action$='/counters'] button[type=submit]")
    page.wait_for_selector("h1:has-text('Quầy số 2')")
    counter = session.exec(select(Counter).where(Counter.name == "Quầy số 2")).one()

    page.click(f"a[href='/admin/counters/{counter.id}/poster']")
    assert page.locator(".poster .short").inner_text() == counter.short_code
    assert f"survey.test/c/{counter.short_code}" in page.locator(".poster .typed").inner_text()
    assert page.locator(".poster svg.qr path").count() == 1
    screenshot(page, "admin-poster")
    page.go_back()

    page.fill("form[action$='/kiosks'] input[name=name]", "Máy tính bảng quầy 2")
    page.fill("form[action$='/kiosks'] input[name=min_interval_seconds]", "0")
    page.click("form[action$='/kiosks'] button[type=submit]")
    code = page.locator("#enrol-code").inner_text()
    screenshot(page, "admin-enrol-code")

    tablet_context = browser.new_context(viewport=TABLET)
    tablet = tablet_context.new_page()
    tablet.goto(live_server + "/k/")
    assert tablet.url == live_server + "/k/enrol"
    tablet.fill("input[name=code]", code)
    tablet.click("button[type=submit]")
    tablet.wait_for_url(live_server + "/k/")
    assert "Quầy số 2" in tablet.locator(".kiosk-where").inner_text()
    screenshot(tablet, "kiosk-start")

    rate(tablet, 3)
    screenshot(tablet, "kiosk-thanks")
    tablet.wait_for_selector("#screen-start:not([hidden])")
    tablet.click("button.face-1")
    tablet.wait_for_selector("#screen-reasons:not([hidden])")
    screenshot(tablet, "kiosk-reasons")
    tablet.check("#reasons-form input[name=reasons][value='3']")
    tablet.click("#reasons-form button[type=submit]")
    wait_for(tablet, lambda: count(session, counter.id) == 2)
    assert "rating" not in tablet.url and tablet.url == live_server + "/k/"
    # The screen starts over with nothing of the last answer left on it.
    tablet.wait_for_selector("#screen-start:not([hidden])")
    assert tablet.locator("#reasons-form input:checked").count() == 0

    tablet_context.set_offline(True)
    for level in (3, 2, 1, 3):
        rate(tablet, level)
    assert len(queued(tablet)) == 4
    assert count(session, counter.id) == 2
    screenshot(tablet, "kiosk-offline")
    tablet_context.set_offline(False)
    wait_for(tablet, lambda: queued(tablet) == [])
    assert count(session, counter.id) == 6
    # Sending again (a lost answer, a retry) never counts twice.
    tablet.evaluate("""() => fetch('/api/v1/responses', {method: 'POST',
        headers: {'Content-Type': 'application/json'},
        body: JSON.stringify({responses: [{id: '6a1f6b9e-3c1d-4c52-9b0e-1d2f3a4b5c6d', rating: 2}]})})""")
    tablet.evaluate("""() => fetch('/api/v1/responses', {method: 'POST',
        headers: {'Content-Type': 'application/json'},
        body: JSON.stringify({responses: [{id: '6a1f6b9e-3c1d-4c52-9b0e-1d2f3a4b5c6d', rating: 2}]})})""")
    assert count(session, counter.id) == 7
    query = select(Response.channel, Response.kiosk_id).where(Response.counter_id == counter.id)
    ratings = session.exec(query).all()
    assert {channel for channel, _kiosk in ratings} == {"kiosk"}
    assert None not in {kiosk for _c, kiosk in ratings}
    tablet_context.close()

    page.goto(f"{live_server}/admin/counters/{counter.id}?lang=en")
    assert page.locator("#ratings").inner_text().startswith("7 ratings received")
    screenshot(page, "admin-counter-ratings")
    page.goto(live_server + "/admin/flags")
    assert page.locator("td:has-text('Đơn vị H-01') + td").inner_text() == "7"
    screenshot(page, "admin-flags")
    for name in ("", "users", "api-keys", "audit"):
        page.goto(f"{live_server}/admin/{name}")
        screenshot(page, f"admin-{name or 'index'}")
    page.close()


def test_kiosk_rates_without_javascript(app, browser, live_server, province, session):
    app.config.update(FAST_KIOSK)
    page = sign_in_as_admin(browser, live_server)
    page.goto(f"{live_server}/admin/counters/{province.counters['D1'].id}")
    page.fill("form[action$='/kiosks'] input[name=name]", "Máy cũ")
    page.click("form[action$='/kiosks'] button[type=submit]")
    code = page.locator("#enrol-code").inner_text()
    page.close()
    context = browser.new_context(viewport=TABLET, java_script_enabled=False)
    tablet = context.new_page()
    tablet.goto(live_server + "/k/enrol")
    tablet.fill("input[name=code]", code)
    tablet.click("button[type=submit]")
    tablet.click("button.face-1")
    tablet.wait_for_selector("#screen-reasons:not([hidden])")  # the POST's answer, the same address
    assert count(session, province.counters["D1"].id) == 0
    tablet.check("#reasons-form input[name=reasons][value='2']")
    tablet.click("#reasons-form button[type=submit]")
    tablet.wait_for_url(live_server + "/k/thanks")
    assert tablet.locator("#screen-thanks").is_visible() and not tablet.locator("#screen-start").is_visible()
    assert count(session, province.counters["D1"].id) == 1
    # Going back would show the filled reasons screen: it was a POST answer marked no-store, so
    # Chromium has nothing to show and refuses to resend it silently.
    with pytest.raises(PlaywrightError, match="ERR_CACHE_MISS"):
        tablet.go_back()
    context.close()


def test_an_idle_reasons_screen_keeps_the_rating_and_starts_over(
    app, browser, live_server, province, session
):
    app.config.update(FAST_KIOSK | {"KIOSK_IDLE_SECONDS": 1})
    counter = province.counters["H-02"]
    context = browser.new_context(viewport=TABLET)
    context.add_cookies([{"name": "kiosk", "value": make_kiosk(session, counter), "url": live_server}])
    tablet = context.new_page()
    tablet.goto(live_server + "/k/")
    tablet.click("button.face-1")
    tablet.wait_for_selector("#screen-reasons:not([hidden])")
    tablet.check("#reasons-form input[name=reasons][value='2']")  # then the citizen walks away
    tablet.wait_for_selector("#screen-start:not([hidden])", timeout=5000)
    assert tablet.locator("#reasons-form input:checked").count() == 0
    wait_for(tablet, lambda: count(session, counter.id) == 1)
    session.commit()
    assert session.execute(text("SELECT v01, v02 FROM answer")).one() == (1, 0)
    context.close()
