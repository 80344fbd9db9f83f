"""CSV and XLSX downloads of exactly the tables a score page shows, with the method written in."""

import csv
import io

from flask import Response
from flask_babel import gettext as _
from openpyxl import Workbook

from survey.core.cells import inert_row
from survey.scores import ScoreTable
from survey.web.manage.context import Page
from survey.web.manage.rate_tables import rate_tables

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
FACTORS = ("A", "B", "C", "D", "E")


def about(page: Page, table: ScoreTable) -> list[tuple[str, object]]:
    """Return the facts a reader needs to interpret the numbers: unit, period, method, settings."""
    settings, period = page.settings, page.period
    return [
        (_("Unit"), f"{page.unit.code} · {page.unit.name}"),
        (_("Period"), f"{period.key} ({period.first.isoformat()} – {period.last.isoformat()}, UTC+7)"),
        (_("Service"), page.service or _("All services")),
        (_("Channel"), page.channel or _("All channels")),
        (_("Flagged responses"), _("Included") if page.include_flagged else _("Left out")),
        (_("Interval method"), settings.method),
        (_("Confidence level"), settings.confidence_level),
        (_("Verdict sides"), settings.sides),
        (_("Target"), settings.target),
        (_("Minimum responses for a verdict"), settings.min_n),
        (_("Interval used by the verdicts (two-sided level)"), settings.interval_level),
        (_("Verdicts of the units adjusted together by"), settings.adjust),
        (_("Probability that the further responses settle a verdict"), settings.power),
        (_("Units combined by"), settings.combine),
        (_("Index"), _("SIPAS index: mean of the factors' mean item shares (levels 4–5 satisfied)")),
        (_("Shares"), _("Fractions: 0.9 is 90%")),
    ]


def score_columns() -> list[str]:
    """Return the header of a score table."""
    header = [_("n"), _("SIPAS index"), _("95% interval, low"), _("95% interval, high"), _("Verdict"),
              _("More responses needed")]
    return header + [_("Factor %(code)s", code=code) for code in FACTORS]


def score_cells(row: dict) -> list:
    """Return the cells of one scored row (shares as fractions)."""
    index, verdict = row["index"], row["verdict"]
    factors = [(row["factors"].get(code) or {}).get("estimate") for code in FACTORS]
    return [row["n"], index["estimate"], index["ci_low"], index["ci_high"], verdict["status"],
            verdict["more_needed"], *factors]


def tables(page: Page, table: ScoreTable, extra: dict | None) -> list[tuple[str, list[str], list[list]]]:
    """Return (title, header, rows) of every table of the page."""
    out = [(_("Scores"), [_("Unit code"), _("Unit")] + score_columns(),
            [[r["unit"], r["name"], *score_cells(r)] for r in [table.scope, *table.rows]])]
    if extra is None:
        return out
    if "counters" not in extra:  # the overview: its dossier figures only
        return out + rate_tables(extra)
    items = table.scope["items"]
    out.append((_("Items"), [_("Item"), _("Answers"), _("Satisfied"), _("Share"), _("95% interval, low"),
                             _("95% interval, high")],
                [[code, i["n"], i["satisfied"], i["estimate"], i["ci_low"], i["ci_high"]]
                 for code, i in items.items()]))
    out.append((_("Counters"), [_("Counter")] + score_columns(),
                [[r["counter"], *score_cells(r)] for r in extra.get("counters", [])]))
    out.append((_("Services"), [_("Service code"), _("Service")] + score_columns(),
                [[r["service"], r["name"], *score_cells(r)] for r in extra.get("services", [])]))
    return out + rate_tables(extra)


def filename(page: Page, fmt: str) -> str:
    """Return the download's file name."""
    return f"hailong-{page.unit.code}-{page.period.key.replace('..', '_')}.{fmt}"


def download(page: Page, table: ScoreTable, *, fmt: str, extra: dict | None = None) -> Response:
    """Return the page's tables as a CSV or XLSX attachment."""
    facts, parts = about(page, table), tables(page, table, extra)
    if fmt == "csv":
        body, mimetype = to_csv(facts, parts).encode("utf-8-sig"), "text/csv"
    else:
        body, mimetype = to_xlsx(facts, parts), XLSX
    headers = {"Content-Disposition": f'attachment; filename="{filename(page, fmt)}"'}
    return Response(body, mimetype=mimetype, headers=headers)


def to_csv(facts: list[tuple], parts: list[tuple]) -> str:
    """Write the facts, then each table after its title, separated by blank lines."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    for name, value in facts:
        writer.writerow(inert_row([name, value]))
    for title, header, rows in parts:
        writer.writerow([])
        writer.writerow(inert_row([title]))
        writer.writerow(inert_row(header))
        writer.writerows([inert_row("" if v is None else round(v, 6) if isinstance(v, float) else v
                                    for v in row) for row in rows])
    return buffer.getvalue()


def to_xlsx(facts: list[tuple], parts: list[tuple]) -> bytes:
    """Write one sheet per table (shares formatted as percentages) and an "About" sheet with the facts.

    Every text is stored as a text cell: openpyxl would store "=…" as a formula.
    """
    book = Workbook()
    about_sheet = book.active
    about_sheet.title = _("About")[:31]
    for fact in facts:
        append(about_sheet, list(fact))
    about_sheet.column_dimensions["A"].width = 34
    about_sheet.column_dimensions["B"].width = 60
    for title, header, rows in parts:
        sheet = book.create_sheet(title[:31])
        append(sheet, header)
        for row in rows:
            for cell in append(sheet, row):
                if isinstance(cell.value, float):
                    cell.number_format = "0.00%"
        sheet.freeze_panes = "A2"
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def append(sheet, values: list) -> tuple:
    """Append a row whose texts are text cells (never formulas); return its cells."""
    sheet.append(values)
    cells = sheet[sheet.max_row]
    for cell in cells:
        if isinstance(cell.value, str):
            cell.data_type = "s"
    return cells
