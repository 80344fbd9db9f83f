"""The landing page and sign-in in real Chromium."""

import pytest

from tests.browser import PHONE, axe_violations, screenshot
from tests.factories import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.slow]


def test_landing_page_a_typed_code_and_sign_in_in_chromium(browser, live_server, province):
    page = browser.new_page(viewport=PHONE)
    page.goto(live_server + "/")
    assert page.locator("h1").inner_text() == "Tỉnh Thử nghiệm"
    assert page.locator("a[href^='/c/']").count() == 0  # a deployment lists no counters
    assert axe_violations(page) == []
    screenshot(page, "home-phone")
    page.fill("#code", province.counters["D1"].short_code.lower())
    page.click("text=Mở phiếu khảo sát")
    page.wait_for_url(live_server + "/c/token-d1-0123456789")
    page.goto(live_server + "/")
    page.click("text=Đăng nhập")
    page.fill("#username", "admin")
    page.fill("#password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(live_server + "/manage/")  # staff land on their scores
    assert page.locator("a[href='/admin/']").count() == 1
    page.close()


def test_the_demo_home_page_in_chromium(app, browser, live_server, province):
    app.config["DEMO"] = True
    page = browser.new_page(viewport=PHONE)
    page.goto(live_server + "/")
    assert page.locator("a[href='/c/token-d1-0123456789']").count() == 1
    assert axe_violations(page) == []
    screenshot(page, "home-demo-phone")
    page.close()

    # Werkzeug's pages never show: an unknown manager address is our page, in Vietnamese.
    page = browser.new_page(viewport=PHONE)
    page.goto(live_server + "/manage/nope")
    assert page.locator("h1").inner_text() == "Không tìm thấy trang"
    screenshot(page, "error-404-manage")
    page.close()
