"""In Chromium: a provincial manager reads the pages at 1366 and 390 px and takes the results away
(official report as DOCX and its first page, XLSX, CSV); screenshots are written for review."""

import csv
import io

import pytest
from docx import Document
from openpyxl import load_workbook

from tests.browser import SCREENSHOTS, axe_violations, screenshot
from tests.factories import PASSWORD, add_rated, verdict_mix

pytestmark = [pytest.mark.browser, pytest.mark.slow]
IMAGES_LOADED = "() => [...document.images].every(image => image.complete && image.naturalWidth > 0)"
#: An A4 page at 96 px per inch.
A4 = {"width": 794, "height": 1123}


def sign_in(context, base: str):
    page = context.new_page()
    page.goto(f"{base}/login")
    page.fill("#username", "admin")
    page.fill("#password", PASSWORD)
    page.click("button[type=submit]")
    return page


def download(page, link: str, tmp_path) -> bytes:
    with page.expect_download() as waiting:
        page.click(link)
    target = tmp_path / waiting.value.suggested_filename
    waiting.value.save_as(target)
    return target.read_bytes()


def overflow(page) -> int:
    """Return how far the page is wider than the window (0 when nothing scrolls sideways)."""
    return page.evaluate("() => document.documentElement.scrollWidth - window.innerWidth")


def widest(page) -> list[str]:
    """Name the elements that stick out on the right (for the failure message)."""
    return page.evaluate("""() => [...document.querySelectorAll('body *')].filter(e =>
        e.getBoundingClientRect().right > window.innerWidth + 1).slice(0, 5).map(e => e.tagName + '.' +
        e.className + ' ' + (e.textContent || '').trim().slice(0, 40))""")


def test_manager_reads_compares_and_takes_the_report_away(browser, live_server, session, province, tmp_path):
    verdict_mix(session, province)
    add_rated(session, province, "H-01", "quick-3", {"RATING": 1, "REASONS": 0b1})
    add_rated(session, province, "H-01", "quick-3", {"RATING": 3})
    context = browser.new_context(viewport={"width": 1366, "height": 900}, accept_downloads=True)
    page = sign_in(context, live_server)
    page.goto(f"{live_server}/manage/?period=Q3/2026")
    assert "data-notice" not in page.content()
    assert page.get_attribute("tr[data-unit=D2]", "data-verdict") == "not-met"
    assert page.locator("table[data-rating=quick-3]").count() == 1
    page.wait_for_function(IMAGES_LOADED)
    screenshot(page, "manage-overview-1366")
    assert axe_violations(page) == []

    page.click("text=So sánh các kỳ")
    page.wait_for_url("**/manage/unit/P/compare?*")  # and its load: the overview has the same rows
    assert page.get_attribute("tr[data-unit=D2]", "data-previous") == "unknown"
    screenshot(page, "manage-compare-1366")
    page.goto(f"{live_server}/manage/unit/P/ranking?period=2026-Q3&kind=commune")
    assert page.locator("tr[data-unit]").all_inner_texts()[0].startswith("1")
    screenshot(page, "manage-ranking-1366")
    assert axe_violations(page) == []

    page.goto(f"{live_server}/manage/unit/H?period=07/2026")
    page.wait_for_function(IMAGES_LOADED)
    screenshot(page, "manage-unit-1366")
    xlsx = load_workbook(io.BytesIO(download(page, "text=Tải Excel", tmp_path)))
    assert [row[0] for row in xlsx["Đơn vị"].iter_rows(min_row=2, values_only=True)] == ["H", "H-01", "H-02"]
    assert xlsx["Đơn vị"]["G3"].value == "Chưa kết luận được"
    rows = list(csv.reader(io.StringIO(download(page, "text=Tải CSV", tmp_path).decode("utf-8-sig")),
                           delimiter=";"))
    assert ["Phương pháp khoảng tin cậy", "Agresti–Coull"] in rows
    assert any(row[:3] == ["H-01", "Đơn vị H-01", "40"] and row[3] == "0,925" for row in rows)

    page.click("text=Báo cáo để in")
    page.wait_for_url("**/manage/unit/H/report?*")
    page.wait_for_function(IMAGES_LOADED)
    assert "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM" in page.inner_text("header.doc-head")
    headings = page.locator("article.official h2").all_inner_texts()
    report = Document(io.BytesIO(download(page, "text=Tải Word (DOCX)", tmp_path)))
    assert [p.text for p in report.paragraphs if p.style.name == "Heading 1"] == headings
    assert len(report.inline_shapes) == 2
    page.set_viewport_size(A4)
    page.emulate_media(media="print")
    SCREENSHOTS.mkdir(exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / "report-page-1.png"), clip={"x": 0, "y": 0, **A4})
    page.emulate_media(media="screen")

    phone = browser.new_context(viewport={"width": 390, "height": 844})
    phone.add_cookies(context.cookies())
    small = phone.new_page()
    for path, name in (("/manage/?period=2026-07", "manage-overview-390"),
                       ("/manage/unit/H?period=2026-07", "manage-unit-390"),
                       ("/manage/unit/P/compare?period=2026-07", "manage-compare-390"),
                       ("/manage/unit/P/ranking?period=2026-07", "manage-ranking-390")):
        small.goto(live_server + path)
        small.wait_for_function(IMAGES_LOADED)
        assert overflow(small) <= 0, (path, widest(small))
        verdict = small.locator("tr[data-unit] .verdict, tr[data-unit] td.change").first.bounding_box()
        assert verdict is not None and verdict["x"] + verdict["width"] <= 390, path
        screenshot(small, name)
    unit, counter = province.units["H"].id, province.counters["H"].id
    for path in ("/admin/", f"/admin/units/{unit}", f"/admin/counters/{counter}", "/admin/users",
                 "/admin/audit", "/admin/flags", "/admin/api-keys"):
        small.goto(live_server + path)
        assert small.title() and overflow(small) <= 0, (path, widest(small))
    screenshot(small, "admin-unit-390")
    phone.close()
    context.close()
