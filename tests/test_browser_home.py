"""The landing page and sign-in in real Chromium."""

import pytest

from tests.browser import PHONE, screenshot
from tests.factories import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.slow]


def test_landing_page_and_sign_in_in_chromium(browser, live_server, province):
    page = browser.new_page(viewport=PHONE)
    page.goto(live_server + "/")
    assert page.locator("h1").inner_text() == "Hài Lòng"
    assert page.locator("a[href='/c/token-d1-0123456789']").count() == 1
    screenshot(page, "home-phone")
    page.click("text=Đăng nhập để xem kết quả của đơn vị")
    page.fill("#username", "admin")
    page.fill("#password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(live_server + "/")
    page.close()
