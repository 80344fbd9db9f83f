"""In Chromium: sign in, read the overview, drill into a unit, download the CSV."""

import pytest

from tests.browser import axe_violations, screenshot
from tests.factories import PASSWORD, verdict_mix

pytestmark = [pytest.mark.browser, pytest.mark.slow]


def test_manager_reads_the_overview_drills_down_and_downloads(
    browser, live_server, session, province, tmp_path
):
    verdict_mix(session, province)
    context = browser.new_context(viewport={"width": 1280, "height": 900}, accept_downloads=True)
    page = context.new_page()
    page.goto(f"{live_server}/login")
    page.fill("#username", "admin")
    page.fill("#password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{live_server}/manage/")  # staff land on their scores
    with page.expect_navigation():  # the same address again: wait for the new page
        page.click("text=Kết quả")  # the nav link of signed-in users
    page.fill("#period", "2026-07")
    page.click("form.filters button[type=submit]")
    page.wait_for_url("**/manage/?period=2026-07*")  # and its load: a count does not wait
    assert page.locator("tr[data-unit]").count() == 3
    assert page.get_attribute("tr[data-unit=D1]", "data-verdict") == "met"
    assert page.get_attribute("tr[data-unit=H]", "data-verdict") == "inconclusive"
    assert "Đạt mục tiêu" in page.inner_text("tr[data-unit=D1]")
    images_loaded = "() => [...document.images].every(image => image.complete && image.naturalWidth > 0)"
    page.wait_for_function(images_loaded)
    screenshot(page, "manage-overview")
    assert axe_violations(page) == []

    page.click("tr[data-unit=H] th a")
    assert page.url.endswith("/manage/unit/H?period=2026-07")
    assert page.get_attribute("tr[data-unit=H-02]", "data-verdict") == "insufficient"
    page.wait_for_function(images_loaded)
    screenshot(page, "manage-unit")
    assert axe_violations(page) == []

    with page.expect_download() as waiting:
        page.click("text=Tải CSV")
    download = waiting.value
    target = tmp_path / download.suggested_filename
    download.save_as(target)
    text = target.read_text(encoding="utf-8-sig")
    assert download.suggested_filename == "hailong-H-2026-07.csv"
    assert "Agresti–Coull" in text and "H-01;Đơn vị H-01" in text and "D1;Đơn vị D1" not in text
    context.close()
