"""The Content-Security-Policy holds in real Chromium: the pages, the print buttons and the kiosk
script run with it and report no violation (docs/security.md)."""

import pytest

from tests.browser import PHONE
from tests.factories import PASSWORD
from tests.helpers import D1, make_kiosk

pytestmark = [pytest.mark.browser, pytest.mark.slow]


def watch(page) -> list[str]:
    """Collect the page's CSP violations (console errors and securitypolicyviolation events)."""
    violations = []
    page.on("console", lambda message: violations.append(message.text)
            if "Content Security Policy" in message.text else None)
    page.add_init_script("""document.addEventListener('securitypolicyviolation',
        (event) => console.error('Content Security Policy violation: ' + event.violatedDirective))""")
    return violations


def test_pages_and_the_kiosk_run_under_the_policy(app, browser, live_server, session, province):
    app.config.update({"SIGNALS_OPENING_HOURS": "00:00-24:00", "SIGNALS_OPEN_DAYS": "Mon-Sun",
                       "SURVEY_MIN_SECONDS_PER_ITEM": 0, "KIOSK_THANKS_SECONDS": 1})
    page = browser.new_page(viewport=PHONE)
    violations = watch(page)
    page.goto(live_server + D1)
    assert page.locator("form").count() >= 1
    page.goto(live_server + "/login")
    page.fill("#username", "admin")
    page.fill("#password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(live_server + "/")
    unit_id, counter_id = province.units["H-01"].id, province.counters["H-01"].id
    for path in ("/manage/", "/manage/unit/H", "/manage/unit/H/report", f"/admin/units/{unit_id}/posters",
                 f"/admin/counters/{counter_id}", "/admin/users"):
        response = page.goto(live_server + path)
        assert response.status == 200 and "script-src 'self'" in response.headers["content-security-policy"]
    # The print buttons work without inline handlers: the script binds them.
    page.goto(live_server + "/manage/unit/H/report")
    page.evaluate("window.print = () => document.body.setAttribute('data-printed', 'yes')")
    page.click("[data-print]")
    assert page.get_attribute("body", "data-printed") == "yes"
    page.close()

    context = browser.new_context(viewport={"width": 1024, "height": 768})
    context.add_cookies([{"name": "kiosk", "value": make_kiosk(session, province.counters["H-01"]),
                          "url": live_server}])
    tablet = context.new_page()
    kiosk_violations = watch(tablet)
    tablet.goto(live_server + "/k/")
    tablet.wait_for_selector("#screen-start:not([hidden])")
    tablet.click("button.face-3")
    tablet.wait_for_selector("#screen-thanks:not([hidden])")
    tablet.wait_for_selector("#screen-start:not([hidden])")
    context.close()
    assert violations == [] and kiosk_violations == []
    # The watch itself works: an inline script is refused and reported.
    probe = browser.new_page()
    probe_violations = watch(probe)
    probe.goto(live_server + "/login")
    probe.evaluate("document.body.appendChild(Object.assign(document.createElement('script'), "
                   "{textContent: 'window.ran = 1'}))")
    probe.wait_for_timeout(200)
    assert probe.evaluate("window.ran") is None and probe_violations
    probe.close()
