"""The manager pages: overview, unit page, report, charts and exports show the right numbers."""

import csv
import io
import re

import pytest
from openpyxl import load_workbook

from tests.factories import JULY, add_rated, add_sipas_items, verdict_mix
from tests.helpers import sign_in

JULY_ARGS = "?period=2026-07"


@pytest.fixture
def admin(client, session, province):
    verdict_mix(session, province)
    sign_in(client, "admin")
    return client


def verdicts(html: str) -> dict[str, str]:
    return dict(re.findall(r'<tr data-unit="([^"]+)" data-verdict="([^"]+)"', html))


def test_overview_answers_which_units_meet_the_target(admin):
    html = admin.get("/manage/" + JULY_ARGS).get_data(as_text=True)
    assert verdicts(html) == {"D1": "met", "D2": "not-met", "H": "inconclusive"}
    assert 'data-unit="P" data-verdict="not-met"' in html  # the scope's own index
    assert "Agresti–Coull" in html or "agresti-coull" in html
    assert "95%" in html and "90%" in html
    assert "<svg" in html and 'class="ibar"' in html
    assert 'src="/manage/unit/P/funnel.svg?period=2026-07"' in html


def test_district_overview_shows_inconclusive_and_insufficient_with_what_is_needed(client, session, province):
    verdict_mix(session, province)
    sign_in(client, "district")
    html = client.get("/manage/" + JULY_ARGS).get_data(as_text=True)
    assert verdicts(html) == {"H-01": "inconclusive", "H-02": "insufficient"}
    more = re.search(r'data-unit="H-01".*?khoảng ([\d.]+) phiếu', html, re.S)
    assert more and int(more[1].replace(".", "")) > 0
    assert "92,50%" in html  # Vietnamese decimal comma by default
    english = client.get("/manage/?period=2026-07&lang=en").get_data(as_text=True)
    assert "92.50%" in english and "about" in english


def test_sorting_is_done_on_the_server(admin):
    html = admin.get("/manage/?period=2026-07&sort=index").get_data(as_text=True)
    assert list(verdicts(html)) == ["D2", "H", "D1"]
    html = admin.get("/manage/?period=2026-07&sort=-index").get_data(as_text=True)
    assert list(verdicts(html)) == ["D1", "H", "D2"]


def test_flagged_responses_can_be_left_out(admin):
    kept = admin.get("/manage/unit/D2" + JULY_ARGS).get_data(as_text=True)
    left_out = admin.get("/manage/unit/D2?period=2026-07&flagged=exclude").get_data(as_text=True)
    assert "50,00%" in kept and "45,45%" in left_out  # 25 of 55 once the 5 flagged are left out


def test_bad_filters_fall_back_with_a_message(admin):
    response = admin.get("/manage/?period=2026-13")
    assert response.status_code == 200
    assert 'class="flash flash-error"' in response.get_data(as_text=True)


def test_vietnamese_periods_are_read_and_links_repeat_the_canonical_key(admin):
    for text in ("Q3/2026", "Quý 3/2026", "quý 3 năm 2026"):
        html = admin.get("/manage/", query_string={"period": text}).get_data(as_text=True)
        assert "data-notice" not in html and "01/07/2026 – 30/09/2026" in html
        assert 'href="/manage/unit/H?period=2026-Q3"' in html
    html = admin.get("/manage/", query_string={"period": "07/2026"}).get_data(as_text=True)
    assert verdicts(html) == {"D1": "met", "D2": "not-met", "H": "inconclusive"}


def test_a_notice_names_what_was_not_understood_and_does_not_outlive_its_request(admin):
    bad = {"period": "quý 5/2026", "channel": "fax"}
    html = admin.get("/manage/", query_string=bad).get_data(as_text=True)
    notices = re.findall(r"<p class=\"flash flash-error\" role=\"alert\" data-notice>(.*?)</p>", html)
    assert len(notices) == 2
    assert "“fax”" in notices[0] and "“quý 5/2026”" in notices[1] and "12 tháng gần nhất" in notices[1]
    admin.get("/manage/unit/P/funnel.svg", query_string={"period": "bad"})  # charts and downloads too
    admin.get("/manage/export.csv", query_string={"period": "bad"})
    assert "flash" not in admin.get("/manage/" + JULY_ARGS).get_data(as_text=True)


def test_unit_page_shows_items_counters_ratings_dossiers_and_comments(admin, session, province):
    add_rated(session, province, "D2", "quick-3", {"RATING": 3})
    add_rated(session, province, "D2", "quick-3", {"RATING": 1})
    add_rated(session, province, "D2", "tt01-dossier", {"T1": 1, "T3": 1, "T4": 2, "T7": 1, "RATING": 1},
              dossier={"due_at": JULY, "returned_at": JULY})
    html = admin.get("/manage/unit/D2" + JULY_ARGS).get_data(as_text=True)
    assert 'data-item="A1"' in html and 'data-item="E3"' in html
    assert "Quầy D2" in html
    assert 'data-rating="quick-3"' in html
    assert 'data-ratio="0.000000"' in html  # the one dossier was rated dissatisfied
    # TT 01: 2 + 1 (returned on the due day) + 2 + 1 + 2 points; the band is named, not a bare "(100%)".
    assert "data-tt01-total>8,0 <small>· hoàn thành 100% nhiệm vụ</small>" in html
    assert "từ 5 điểm trở lên: hoàn thành 100% nhiệm vụ" in html
    assert "Phải chờ quá lâu" in html and 'class="flagged"' in html
    assert 'data-channel="kiosk"' in html
    searched = admin.get("/manage/unit/D2?period=2026-07&q=nothing-like-this").get_data(as_text=True)
    assert "Phải chờ quá lâu" not in searched


def test_drill_down_links_lead_from_province_to_district_to_commune(admin):
    html = admin.get("/manage/" + JULY_ARGS).get_data(as_text=True)
    assert 'href="/manage/unit/H?period=2026-07"' in html
    district = admin.get("/manage/unit/H" + JULY_ARGS).get_data(as_text=True)
    assert verdicts(district) == {"H-01": "inconclusive", "H-02": "insufficient"}
    assert 'href="/manage/unit/H-01?period=2026-07"' in district


def test_csv_export_holds_the_method_and_the_rows(admin):
    response = admin.get("/manage/export.csv" + JULY_ARGS)
    assert response.mimetype == "text/csv" and "attachment" in response.headers["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(response.data.decode("utf-8-sig")), delimiter=";"))
    facts = {row[0]: row[1] for row in rows if len(row) == 2}
    assert facts["Phương pháp khoảng tin cậy"] == "Agresti–Coull" and facts["Mục tiêu"] == "0,9"
    assert facts["Mức tin cậy"] == "0,95" and facts["Kỳ"].startswith("2026-07")
    assert facts["Kiểm định"] == "một phía"
    start = rows.index(["Đơn vị"])  # the units section, before the items (whose codes include D1, D2)
    units = {row[0]: row for row in rows[start + 2:start + 6]}
    assert list(units) == ["P", "D1", "D2", "H"]
    assert units["D1"][3] == "1" and units["D2"][3] == "0,5" and units["D2"][6] == "Chưa đạt mục tiêu"


def test_csv_separators_follow_the_language_or_the_setting(admin, app):
    english = admin.get("/manage/export.csv?period=2026-07&lang=en").data.decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(english)))
    assert ["Target", "0.9"] in rows and any(row[:1] == ["D2"] and row[3] == "0.5" for row in rows)
    app.config["EXPORT_CSV_STYLE"] = "vi"
    fixed = admin.get("/manage/export.csv?period=2026-07&lang=en").data.decode("utf-8-sig")
    assert "Target;0,9" in fixed


def test_xlsx_export_has_one_sheet_per_section_with_formats_and_widths(admin, session, province):
    add_rated(session, province, "H-01", "quick-3", {"RATING": 1, "REASONS": 0b10})
    response = admin.get("/manage/unit/H/export.xlsx?period=2026-07&lang=en")
    book = load_workbook(io.BytesIO(response.data))
    about = {row[0]: row[1] for row in book["About"].iter_rows(values_only=True)}
    assert about["Interval method"] == "Agresti–Coull" and about["Target"] == 0.9
    assert about["Confidence level"] == 0.95 and about["Verdict sides"] == "one-sided"
    units = book["Units"]
    assert [row[0] for row in units.iter_rows(min_row=2, values_only=True)] == ["H", "H-01", "H-02"]
    assert units["D3"].number_format == "0.00%" and units["D3"].value == pytest.approx(0.925)
    assert units["C3"].number_format == "#,##0" and units["G3"].value == "Cannot tell yet"
    assert units.column_dimensions["B"].width > 12
    # One-sided 95% verdicts use a two-sided 90% interval: the score columns say so, and hold the verdict's.
    assert units["E1"].value == "90% interval, low" and units["F1"].value == "90% interval, high"
    assert book["Items"]["F1"].value == "95% interval, low"
    assert "Response rates" in book.sheetnames
    assert {"Items", "Month by month", "Channels", "Ratings", "Reasons", "Counters"} <= set(book.sheetnames)
    items = {row[0]: row for row in book["Items"].iter_rows(min_row=2, values_only=True)}
    assert items["A1"][1].startswith("The reception point") and items["A1"][4] == pytest.approx(0.9125)
    reasons = list(book["Reasons"].iter_rows(min_row=2, values_only=True))
    assert ("Kiosk quick rating", "Unclear guidance", 1, 1.0) in reasons
    trend = list(book["Month by month"].iter_rows(min_row=2, values_only=True))
    assert trend[0][0] == "07/2026" and trend[0][1] == 50
    download = admin.get("/manage/unit/D2/export.xlsx?period=2026-07&lang=vi")
    with_comments = load_workbook(io.BytesIO(download.data))
    comments = [row[-1] for row in with_comments["Góp ý"].iter_rows(min_row=2, values_only=True)]
    assert "Phải chờ quá lâu" in comments


def test_printable_report_has_a_print_stylesheet_and_charts(admin):
    html = admin.get("/manage/unit/H/report" + JULY_ARGS).get_data(as_text=True)
    assert "manage.css" in html and "/manage/unit/H/trend.svg?period=2026-07" in html
    with admin.get("/static/manage.css") as response:
        css = response.get_data(as_text=True)
    assert "@page{size:A4" in css and "@media print" in css


def test_charts_are_svg_and_cached(admin, app):
    first = admin.get("/manage/unit/P/funnel.svg" + JULY_ARGS)
    assert first.mimetype == "image/svg+xml"
    svg = first.get_data(as_text=True)
    assert "<svg" in svg and "D1" in svg and "D2" in svg and "H-01" not in svg
    store = app.extensions["hailong_lru"]
    entries = len(store)
    assert admin.get("/manage/unit/P/funnel.svg" + JULY_ARGS).get_data(as_text=True) == svg
    assert len(store) == entries
    trend = admin.get("/manage/unit/P/trend.svg" + JULY_ARGS).get_data(as_text=True)
    assert "Chỉ số SIPAS" in trend  # Vietnamese legend, drawn with DejaVu Sans


def test_signed_in_users_get_a_scores_link(admin):
    assert 'href="/manage/"' in admin.get("/").get_data(as_text=True)


def test_the_weakest_item_is_named_only_when_it_pulls_the_index_down(admin, session, province):
    html = admin.get("/manage/unit/D2" + JULY_ARGS).get_data(as_text=True)
    assert 'class="weakest"' not in html  # every item of D2 is 50%: none pulls it down
    add_sipas_items(session, province, "D2", {"B3": 1}, n=20)
    html = admin.get("/manage/unit/D2" + JULY_ARGS).get_data(as_text=True)
    assert re.search(r'data-item="B3" class="weakest"', html)


def test_a_counter_and_a_service_at_exactly_100_percent_show_their_interval(client, session, province):
    """Every respondent satisfied: the rows have an interval (never None) and the page renders."""
    from tests.factories import add_sipas

    service = next(iter(province.services))
    add_sipas(session, province, "D1", n=7, satisfied=7, service=service)
    sign_in(client, "admin")
    response = client.get("/manage/unit/D1" + JULY_ARGS)
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert html.count('class="ibar"') >= 3  # the unit, its counter and its service
    with client.application.app_context():
        from survey import scores

        unit = province.units["D1"]
        filters = scores.make_filters(session, "2026-07")
        settings = scores.Settings()
        for row in [*scores.counters(session, unit, filters, settings),
                    *scores.services(session, [unit], filters, settings)]:
            assert row["index"]["estimate"] == 1.0
            assert row["index"]["ci_low"] is not None and row["index"]["ci_high"] == 1.0
            assert 0 < row["verdict"]["ci_low"] < 1 and row["verdict"]["status"] == "insufficient"


def test_the_interval_bar_skips_a_missing_interval(app):
    with app.test_request_context():
        macros = app.jinja_env.get_template("manage/_macros.html").module
        html = str(macros.interval_bar({"estimate": 1.0, "ci_low": None, "ci_high": None}, 0.9, "met"))
    assert "<svg" not in html


def test_the_demo_unit_pages_render_with_rows_at_100_percent(app, client, session):
    """`flask demo --responses 2000` made a unit page a 500: a row at exactly 100% had no interval."""
    from sqlmodel import select

    from survey.commands import demo
    from survey.db import get_engine
    from survey.models import Unit

    demo.seed(get_engine(app), responses=2000, seed=2026)
    client.post("/login", data={"username": "manager", "password": demo.DEMO_PASSWORD})
    codes = list(session.exec(select(Unit.code).order_by(Unit.id)).all())
    assert len(codes) > 20
    pages = {code: client.get(f"/manage/unit/{code}") for code in codes}
    assert {code: page.status_code for code, page in pages.items()} == dict.fromkeys(codes, 200)
    assert any("100,0%" in page.text for page in pages.values())  # the case that failed is there
