"""The official report: one content shown as the printable page and as a Word document."""

import io
import re
from html import unescape

import pytest
from docx import Document

from tests.factories import add_rated, verdict_mix
from tests.helpers import sign_in

JULY_ARGS = "?period=2026-07"


@pytest.fixture
def admin(client, session, province):
    verdict_mix(session, province)
    add_rated(session, province, "H-01", "quick-3", {"RATING": 3})
    add_rated(session, province, "H-01", "quick-3", {"RATING": 1, "REASONS": 0b11})
    sign_in(client, "admin")
    return client


def text_of(fragment: str) -> str:
    """Return the text of an HTML fragment, tags dropped and spaces collapsed."""
    return " ".join(unescape(re.sub(r"<[^>]+>", " ", fragment)).split())


def page_parts(html: str) -> tuple[list[str], list[list[list[str]]], list[str]]:
    """Return the section headings, the tables (rows of cell texts) and the charts of the report page."""
    article = html[html.index('<article class="official">'):html.index("</article>")]
    headings = [text_of(h) for h in re.findall(r"<h2>(.*?)</h2>", article, re.S)]
    tables = [[[text_of(c) for c in re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", row, re.S)]
               for row in re.findall(r"<tr>(.*?)</tr>", table, re.S)]
              for table in re.findall(r'<table class="doc-table">(.*?)</table>', article, re.S)]
    return headings, tables, re.findall(r'<figure data-chart="(\w+)"', article)


def docx_parts(data: bytes):
    """Return the document, its headings, its data tables (the head and closing frames left out)."""
    document = Document(io.BytesIO(data))
    headings = [p.text for p in document.paragraphs if p.style.name == "Heading 1"]
    tables = [[[c.text for c in row.cells] for row in t.rows] for t in document.tables[1:-1]]
    return document, headings, tables


def test_report_page_has_the_administrative_head_and_closing(admin):
    html = admin.get("/manage/unit/H/report" + JULY_ARGS).get_data(as_text=True)
    start = html.index('<header class="doc-head">')
    head = text_of(html[start:html.index("</header>", start)])
    assert "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM" in head and "Độc lập - Tự do - Hạnh phúc" in head
    assert "Số: /BC-H" in head and "ngày …… tháng …… năm" in head
    assert "Nơi nhận:" in html and "THỦ TRƯỞNG CƠ QUAN" in html and "(Ký, ghi rõ họ tên, đóng dấu)" in html
    assert "BÁO CÁO" in html


def test_report_channel_section_counts_every_channel(admin):
    html = admin.get("/manage/unit/H/report" + JULY_ARGS).get_data(as_text=True)
    headings, tables, _charts = page_parts(html)
    assert headings[-1].endswith("Số phiếu theo kênh")
    counted = {row[0]: row[1] for row in tables[-1][1:]}
    assert counted == {"QR tại quầy": "50", "Kiosk": "2"}


def test_docx_holds_the_same_headings_tables_and_figures_as_the_page(admin):
    html = admin.get("/manage/unit/H/report" + JULY_ARGS).get_data(as_text=True)
    response = admin.get("/manage/unit/H/report.docx" + JULY_ARGS)
    assert response.status_code == 200 and response.headers["Content-Disposition"].endswith('.docx"')
    document, headings, tables = docx_parts(response.data)
    page_headings, page_tables, charts = page_parts(html)
    assert headings == page_headings and headings[0].startswith("I. ")
    assert tables == page_tables
    assert charts == ["funnel", "trend"] and len(document.inline_shapes) == 2
    head = [p.text for p in document.tables[0].cell(0, 1).paragraphs]
    assert head[:2] == ["CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", "Độc lập - Tự do - Hạnh phúc"]
    assert document.tables[0].cell(0, 0).paragraphs[-1].text.startswith("Số:")
    closing = document.tables[-1]
    assert closing.cell(0, 0).paragraphs[0].text == "Nơi nhận:"
    assert closing.cell(0, 1).paragraphs[0].text == "THỦ TRƯỞNG CƠ QUAN"
    section = document.sections[0]
    assert round(section.page_width.mm) == 210 and round(section.page_height.mm) == 297
    units = next(t for t in tables if t[0][0] == "Đơn vị")
    assert [row[0] for row in units[1:]] == ["Đơn vị H-01 (H-01)", "Đơn vị H-02 (H-02)"]
    assert units[1][2] == "92,50%" and units[2][4].startswith("Chưa đủ dữ liệu")
    kiosk = next(t for t in tables if t[0][0] == "Đánh giá")
    assert kiosk[0][2:5] == ["Rất hài lòng", "Hài lòng", "Không hài lòng"]
    assert kiosk[1][1:5] == ["2", "50,0%", "0,0%", "50,0%"]
    reasons = next(t for t in tables if t[0][0] == "Lý do")
    assert reasons[1:] == [["Chờ đợi lâu", "1", "100,0%"], ["Hướng dẫn chưa rõ", "1", "100,0%"]]
