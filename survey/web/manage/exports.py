"""CSV and XLSX downloads of everything a score page shows, with the method and settings written in.

Each section is a table of typed columns (text, count, share, decimal) holding raw numbers: XLSX gives
each type its number format and each column a width to fit, one sheet per section; CSV writes the
sections one after another with the separators of the chosen locale (EXPORT_CSV_STYLE: `;` and a
decimal comma for Vietnamese, which is what Excel in a Vietnamese locale reads as numbers).
"""

import csv
import io
from dataclasses import dataclass

from flask import Response, current_app
from flask_babel import get_locale
from flask_babel import gettext as _
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font

from survey.core.cells import inert
from survey.scores import ScoreTable, Settings
from survey.web.filters import localtime, percent
from survey.web.labels import INTERVAL_METHODS, named
from survey.web.manage.context import CHANNEL_LABELS, Page
from survey.web.manage.document import control_text, day, verdict_word
from survey.web.manage.rate_tables import rate_tables

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
FACTORS = ("A", "B", "C", "D", "E")
FORMATS = {"count": "#,##0", "share": "0.00%", "decimal": "0.0", "text": "@"}
#: CSV separators (field, decimal) per locale.
CSV_STYLES = {"vi": (";", ","), "en": (",", ".")}


@dataclass(frozen=True)
class Sheet:
    """One section of the export: a title, typed columns (header, kind) and rows of raw values."""

    title: str
    columns: list[tuple[str, str]]
    rows: list[list]


def about(page: Page) -> list[tuple[str, object]]:
    """Return the facts a reader needs to interpret the numbers: unit, period, method, settings in words."""
    settings, period = page.settings, page.period
    return [
        (_("Unit"), f"{page.unit.code} · {page.unit.name}"),
        (_("Period"), f"{period.key} ({day(period.first)} – {day(period.last)}, UTC+7)"),
        (_("Service"), page.service or _("All services")),
        (_("Channel"), _(CHANNEL_LABELS[page.channel]) if page.channel else _("All channels")),
        (_("Flagged responses"), _("Included") if page.include_flagged else _("Left out")),
        (_("Interval method"), named(INTERVAL_METHODS, settings.method)),
        (_("Confidence level"), settings.confidence_level),
        (_("Verdict sides"), _(settings.sides)),
        (_("Target"), settings.target),
        (_("Minimum responses for a verdict"), settings.min_n),
        (_("Interval used by the verdicts (two-sided level)"), settings.interval_level),
        (_("Verdicts of the units adjusted together by"), _(settings.adjust)),
        (_("Probability that the further responses settle a verdict"), settings.power),
        (_("Units combined by"), _(settings.combine)),
        (_("Index"), _("SIPAS index: mean of the factors' mean item shares (levels 4–5 satisfied)")),
    ]


def interval_columns(level: float) -> list[tuple[str, str]]:
    """Return the typed columns of an interval at a two-sided level ("90% interval, low", …)."""
    words = percent(level, 0)
    return [(_("%(level)s interval, low", level=words), "share"),
            (_("%(level)s interval, high", level=words), "share")]


def score_columns(settings: Settings) -> list[tuple[str, str]]:
    """Return the typed columns of a score table: the interval is the one the verdict used."""
    return [(_("Responses"), "count"), (_("SIPAS index"), "share"),
            *interval_columns(settings.interval_level), (_("Verdict"), "text"),
            (_("More responses needed"), "count"),
            *[(_("Factor %(code)s", code=code), "share") for code in FACTORS]]


def score_cells(row: dict) -> list:
    """Return the cells of one scored row (the interval of its verdict, adjusted when it was)."""
    index, verdict = row["index"], row["verdict"]
    factors = [(row["factors"].get(code) or {}).get("estimate") for code in FACTORS]
    more = verdict["more_needed"] if verdict["status"] == "inconclusive" else None
    return [row["n"], index["estimate"], verdict["ci_low"], verdict["ci_high"],
            verdict_word(verdict["status"]), more, *factors]


def sheets(page: Page, table: ScoreTable, parts: dict, *, item_texts: dict) -> list[Sheet]:
    """Return every section of the page as a sheet (sections without rows are left out)."""
    language = str(get_locale())
    own = table.scope
    intervals = interval_columns(page.settings.confidence_level)
    out = [Sheet(_("Units"), [(_("Unit code"), "text"), (_("Unit"), "text"), *score_columns(page.settings)],
                 [[r["unit"], r["name"], *score_cells(r)] for r in [own, *table.rows]])]
    out.append(Sheet(_("Items"), [(_("Item"), "text"), (_("Question"), "text"), (_("Answers"), "count"),
                                  (_("Satisfied"), "count"), (_("Share"), "share"), *intervals],
                     [[code, item_texts.get(code, ""), i["n"], i["satisfied"], i["estimate"], i["ci_low"],
                       i["ci_high"]] for code, i in own["items"].items()]))
    out.append(Sheet(_("Month by month"), [
        (_("Month"), "text"), (_("Responses"), "count"), (_("SIPAS index"), "share"),
        *intervals, (_("Control chart"), "text")],
        [[f"{r['month'][5:]}/{r['month'][:4]}", r["n"], r["index"]["estimate"], r["index"]["ci_low"],
          r["index"]["ci_high"], control_text(r)] for r in parts.get("trend", [])]))
    out.append(Sheet(_("Channels"), [(_("Channel"), "text"), (_("Responses"), "count")],
                     [[_(CHANNEL_LABELS.get(c["channel"], c["channel"])), c["n"]]
                      for c in parts.get("channels", [])]))
    out += rating_sheets(parts.get("ratings", []), language, intervals)
    out.append(tt01_sheet(parts.get("dossiers") or {}))
    scored = score_columns(page.settings)
    out.append(Sheet(_("Counters"), [(_("Counter"), "text"), *scored],
                     [[r["counter"], *score_cells(r)] for r in parts.get("counters", [])]))
    out.append(Sheet(_("Services"), [(_("Service code"), "text"), (_("Service"), "text"), *scored],
                     [[r["service"], r["name"], *score_cells(r)] for r in parts.get("services", [])]))
    out.append(Sheet(_("Comments"), [(_("Time (UTC+7)"), "text"), (_("Unit"), "text"), (_("Counter"), "text"),
                                     (_("Channel"), "text"), (_("Flagged: may not be genuine"), "text"),
                                     (_("Comment"), "text")],
                     [[localtime(c["submitted_at"]), c["unit_name"], c["counter"] or "",
                       _(CHANNEL_LABELS.get(c["channel"], c["channel"])), _("Yes") if c["flagged"] else "",
                       c["comment"]] for c in (parts.get("comments") or {}).get("rows", [])]))
    out += rate_sheets(parts.get("dossiers"), parts.get("rates"))
    return [sheet for sheet in out if sheet.rows]


def rating_sheets(ratings: list[dict], language: str, intervals: list[tuple[str, str]]) -> list[Sheet]:
    """Return the three-level ratings (a row per rating and level) and the dissatisfaction reasons."""
    levels, reasons = [], []
    for r in ratings:
        if not r["answered"]:
            continue
        name = _("Kiosk quick rating") if r["instrument"] == "quick-3" else _("Dossier rating (receipt QR)")
        for level in r["levels"]:
            levels.append([name, level["label"].get(language, level["label"]["vi"]), level["count"],
                           level["count"] / r["answered"], None, None])
        levels.append([name, _("Share satisfied"), r["satisfied"], r["estimate"], r["ci_low"], r["ci_high"]])
        reasons += [[name, reason["label"].get(language, reason["label"]["vi"]), reason["count"],
                     reason["count"] / r["with_reasons"] if r["with_reasons"] else None]
                    for reason in r.get("reasons", [])]
    return [Sheet(_("Ratings"), [(_("Rating"), "text"), (_("Level"), "text"), (_("Answers"), "count"),
                                 (_("Share"), "share"), *intervals], levels),
            Sheet(_("Reasons"), [(_("Rating"), "text"), (_("Reason"), "text"), (_("Responses"), "count"),
                                 (_("Share of those giving a reason"), "share")], reasons)]


#: Kinds of the columns of the QĐ 766 and response-rate tables (survey/web/manage/rate_tables.py).
RATE_KINDS = {2: ("count",) * 5 + ("share",),
              3: ("text", "text", "text", "count", "count", "share", "count", "share")}


def rate_sheets(dossiers: dict | None, rates: dict | None) -> list[Sheet]:
    """Return the QĐ 766 table (dossiers, the bad ones by cause, the ratio) and the response rates
    (ratings per dossier received and per result returned) of rate_tables.py as typed sheets.
    """
    tables = rate_tables({"dossiers": dossiers, "rates": rates})
    kinds = [RATE_KINDS[2]] * (dossiers is not None) + [RATE_KINDS[3]] * (rates is not None)
    return [Sheet(title, list(zip(header, kind, strict=True)), rows)
            for (title, header, rows), kind in zip(tables, kinds, strict=True)]


def tt01_sheet(dossiers: dict) -> Sheet:
    """Return the TT 01 indicators (mean points per dossier) and their total as (measure, value) rows."""
    rows: list[list] = []
    if tt01 := dossiers.get("tt01"):
        rows += [[_("TT 01: indicator %(i)s (mean points, 0–2)", i=i), v, "decimal"]
                 for i, v in tt01["indicators"].items()]
        rows.append([_("TT 01: total (of 10)"), tt01["civil_servant_total"], "decimal"])
    return Sheet(_("TT 01"), [(_("Measure"), "text"), (_("Value"), "by-row")], rows)


def filename(page: Page, fmt: str) -> str:
    """Return the download's file name."""
    return f"hailong-{page.unit.code}-{page.period.key.replace('..', '_')}.{fmt}"


def csv_style() -> tuple[str, str]:
    """Return the CSV (field, decimal) separators: of the interface language, or as EXPORT_CSV_STYLE says."""
    style = current_app.config.get("EXPORT_CSV_STYLE", "interface")
    return CSV_STYLES.get(str(get_locale()) if style == "interface" else style, CSV_STYLES["en"])


def download(page: Page, table: ScoreTable, parts: dict, *, fmt: str, item_texts: dict) -> Response:
    """Return the page's sections as a CSV or XLSX attachment."""
    facts, sections = about(page), sheets(page, table, parts, item_texts=item_texts)
    if fmt == "csv":
        body, mimetype = to_csv(facts, sections, *csv_style()).encode("utf-8-sig"), "text/csv"
    else:
        body, mimetype = to_xlsx(facts, sections), XLSX
    headers = {"Content-Disposition": f'attachment; filename="{filename(page, fmt)}"'}
    return Response(body, mimetype=mimetype, headers=headers)


def csv_value(value, decimal: str) -> str:
    """Write a value for CSV: fractions with up to six decimals and the locale's decimal separator."""
    if value is None:
        return ""
    if isinstance(value, float):
        return f"{value:.6f}".rstrip("0").rstrip(".").replace(".", decimal)
    return str(value)


def to_csv(facts: list[tuple], sections: list[Sheet], delimiter: str, decimal: str) -> str:
    """Write the facts, then each section after its title, separated by blank lines."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=delimiter)
    for name, value in facts:
        writer.writerow([csv_value(inert(name), decimal), csv_value(inert(value), decimal)])
    for sheet in sections:
        writer.writerow([])
        writer.writerow([inert(sheet.title)])
        writer.writerow([inert(header) for header, _kind in sheet.columns])
        for row in sheet.rows:
            cells = row[:len(sheet.columns)]
            writer.writerow([csv_value(inert(value), decimal) for value in cells])
    return buffer.getvalue()


def to_xlsx(facts: list[tuple], sections: list[Sheet]) -> bytes:
    """Write an "About" sheet, then one sheet per section with number formats and fitted column widths."""
    book = Workbook()
    about_sheet = book.active
    about_sheet.title = _("About")[:31]
    for name, value in facts:
        append(about_sheet, [name, value])
        if isinstance(value, float):
            about_sheet.cell(about_sheet.max_row, 2).number_format = "0%"
    about_sheet.column_dimensions["A"].width = 36
    about_sheet.column_dimensions["B"].width = 70
    for sheet in sections:
        out = book.create_sheet(sheet.title[:31])
        append(out, [header for header, _kind in sheet.columns])
        for cell in out[1]:
            cell.font = Font(bold=True)
            cell.alignment = Alignment(wrap_text=True, vertical="top")
        for row in sheet.rows:
            cells = append(out, row[:len(sheet.columns)])
            for (_header, kind), cell in zip(sheet.columns, cells, strict=True):
                cell.number_format = FORMATS[row[-1] if kind == "by-row" else kind]
        for number, (header, kind) in enumerate(sheet.columns, start=1):
            longest = max([len(str(header)) * 0.8] + [len(str(r[number - 1] or "")) for r in sheet.rows
                                                      if kind == "text"] + [12])
            out.column_dimensions[out.cell(1, number).column_letter].width = min(longest + 2, 70)
        out.freeze_panes = "A2"
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
