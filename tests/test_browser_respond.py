"""The citizen survey in real Chromium on a phone: fill, send, stored; axe-core finds nothing."""


import pytest
from sqlmodel import select

from survey.models import Response
from tests.browser import PHONE, axe_violations, screenshot
from tests.helpers import D1

pytestmark = [pytest.mark.browser, pytest.mark.slow]

NARROW = {"width": 320, "height": 640}


def open_page(browser, live_server, viewport=PHONE):
    """Return a new page that records every host it contacts."""
    page = browser.new_page(viewport=viewport)
    page.hosts = set()
    page.on("request", lambda request: page.hosts.add(request.url.split("/")[2]))
    return page


def answer_everything(page, level: str, none_label: str) -> None:
    """Tap the given level for every item, and "no opinion" for E1."""
    for group in page.locator("fieldset.q").all():
        label = none_label if group.get_attribute("id") == "q-E1" else level
        group.locator("label.choice").get_by_text(label, exact=True).click()


def stored(session) -> list[Response]:
    session.rollback()
    return session.exec(select(Response).order_by(Response.id)).all()


def test_counter_survey_on_a_phone_in_vietnamese(app, browser, live_server, session, province):
    app.config["SURVEY_MIN_SECONDS_PER_ITEM"] = 0
    app.config["DEMO"] = True  # the demo home page lists the counters
    page = open_page(browser, live_server)
    page.goto(live_server + "/")
    page.click(f"a[href='{D1}']")
    page.wait_for_url(live_server + D1)
    assert page.locator("h1").inner_text() == "Khảo sát sự hài lòng về sự phục vụ hành chính"
    assert axe_violations(page) == []
    screenshot(page, "respond-counter-vi")
    for target in page.locator("label.choice, button.send, summary, select").all():
        box = target.bounding_box()
        assert box["height"] >= 44 and box["width"] >= 44, target.inner_text()
    page.click("button.send")  # nothing answered: every item says so, beside itself
    page.wait_for_selector("#C1-error")  # the answer is a new page: a count does not wait for it
    assert page.locator("p.error").count() == 17
    assert page.locator("#C1-error").inner_text() == "Vui lòng chọn một câu trả lời."
    assert axe_violations(page) == []
    screenshot(page, "respond-counter-vi-errors")
    answer_everything(page, "Rất hài lòng", "Không có ý kiến")
    page.locator("#q-OVERALL label.choice").get_by_text("Hài lòng", exact=True).click()
    page.select_option("#service", label="Đăng ký khai sinh")
    page.fill("#comment", "Cán bộ hướng dẫn tận tình.")
    page.click("summary")
    page.select_option("#age_band", "25-34")
    screenshot(page, "respond-counter-vi-filled")
    page.click("button.send")
    page.wait_for_url(live_server + D1 + "/thanks")
    assert page.locator("h1").inner_text() == "Xin cảm ơn"
    assert axe_violations(page) == []
    screenshot(page, "respond-counter-vi-thanks")
    assert page.hosts == {live_server.split("/")[2]}  # no third-party requests
    page.close()
    [row] = stored(session)
    expected = ("vi", "Cán bộ hướng dẫn tận tình.", "25-34", False)
    assert (row.language, row.comment, row.age_band, row.suspicious) == expected
    assert row.service_id == province.services["1.001193"].id
    assert row.answered_mask == (1 << 17) - 1 - (1 << 13)
    assert row.satisfied_mask == row.answered_mask  # OVERALL "Hài lòng" (4) is satisfied too


def test_counter_survey_in_english_at_320_pixels(app, browser, live_server, session, province):
    app.config["SURVEY_MIN_SECONDS_PER_ITEM"] = 0
    page = open_page(browser, live_server, NARROW)
    page.goto(live_server + D1 + "?lang=vi")
    assert page.evaluate("document.documentElement.scrollWidth") <= NARROW["width"]
    screenshot(page, "respond-counter-vi-320")
    page.goto(live_server + D1 + "?lang=en")
    assert page.evaluate("document.documentElement.scrollWidth") <= NARROW["width"]
    assert axe_violations(page) == []
    screenshot(page, "respond-counter-en-320")
    answer_everything(page, "Dissatisfied", "No opinion")
    page.click("button.send")
    page.wait_for_url(live_server + D1 + "/thanks")
    assert page.locator("h1").inner_text() == "Thank you"
    page.close()
    [row] = stored(session)
    assert (row.language, row.satisfied_mask, row.answered_mask) == ("en", 0, (1 << 17) - 1 - (1 << 13))


def test_receipt_survey_on_a_phone(app, browser, live_server, session, province, runner):
    app.config["SURVEY_MIN_SECONDS_PER_ITEM"] = 0
    result = runner.invoke(args=["receipt", "--unit", "H-01", "--service", "1.001193", "--dossier", "X-1"])
    url = result.output.strip()
    path = url.removeprefix(app.config["PUBLIC_BASE_URL"])
    page = open_page(browser, live_server)
    page.goto(live_server + path)
    assert axe_violations(page) == []
    assert page.get_by_text("Chưa nhận kết quả", exact=True).count() == 1
    screenshot(page, "respond-receipt-vi")
    for group in page.locator("fieldset.q").all():
        group.locator("label.choice").first.click()
    page.click("button.send")
    page.wait_for_url(live_server + path + "/thanks")
    page.goto(live_server + path)
    assert page.locator("h1").inner_text() == "Hồ sơ này đã được đánh giá"
    assert axe_violations(page) == []
    page.close()
    [row] = stored(session)
    assert (row.channel, row.satisfied_mask) == ("receipt", 1)
