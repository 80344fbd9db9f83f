"""In Chromium: staff type a paper form in with the keyboard alone; the new admin pages pass axe."""

import pytest
from sqlmodel import select

from survey import instruments
from survey.models import Response
from tests.browser import axe_violations, screenshot
from tests.factories import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.slow]


def test_a_paper_form_is_typed_with_the_keyboard_alone(browser, live_server, province, session):
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    page.goto(live_server + "/login")
    page.fill("#username", "admin")
    page.fill("#password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(live_server + "/")
    counter = province.counters["D1"]
    page.goto(f"{live_server}/admin/counters/{counter.id}/paper")
    assert axe_violations(page) == []
    items = [item for item in instruments.load("sipas-service").items if item.kind == "rating"]
    page.keyboard.type("41")  # the number field has the focus
    for number, _item in enumerate(items):
        page.keyboard.press("Tab")
        page.keyboard.type(str(5 if number % 2 else 4))
    page.keyboard.press("Enter")
    page.wait_for_selector("text=Phiếu 41 đã được ghi nhận.")
    assert page.evaluate("document.activeElement.id") == "number"  # ready for the next form
    screenshot(page, "admin-paper-entry")
    session.rollback()
    [row] = session.exec(select(Response)).all()
    assert (row.channel, row.counter_id) == ("paper", counter.id)
    assert row.answered_mask == (1 << len(items)) - 1
    for name in ("webhooks", "dossier-import", f"counters/{counter.id}/paper-forms?count=2"):
        page.goto(f"{live_server}/admin/{name}")
        assert axe_violations(page) == [], name
    page.close()
