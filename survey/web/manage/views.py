"""Score pages of managers: the overview of their scope, unit pages, charts, exports, printable reports."""

from dataclasses import replace

from flask import Blueprint, Response, render_template, request
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user
from sqlmodel import select

from survey import scores
from survey.db import data_time, get_session, read_from_replica
from survey.models import Role, Unit
from survey.periods import local_today
from survey.web.auth import roles_required
from survey.web.filters import percent
from survey.web.manage import charts, document, exports, word
from survey.web.manage.context import CHANNEL_LABELS, Page, read_page

DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
bp = Blueprint("manage", __name__, url_prefix="/manage")
signed_in = roles_required(Role.PROVINCE_ADMIN, Role.UNIT_MANAGER, Role.VIEWER)


# The control-chart reading of a month in words: the same on the page, in the report and in exports.
bp.add_app_template_global(document.control_text, "control_text")


@bp.before_request
def read_replica() -> None:
    """Score pages, charts and exports only read: they read the replica (DATABASE_REPLICA_URL) if any."""
    if request.method in ("GET", "HEAD"):
        read_from_replica()


@bp.context_processor
def instrument_texts() -> dict:
    """Give templates the SIPAS factor titles and item texts in the interface language, and the time the
    data they read is complete up to (a replica may lag the primary).
    """
    instrument = scores.sipas_instrument()
    language = str(get_locale())
    return {
        "data_time": data_time(get_session()),
        "factor_titles": {f["code"]: f["title"].get(language, f["title"]["vi"]) for f in instrument.factors},
        "item_texts": {i.code: i.text.get(language, i.text["vi"]) for i in instrument.items},
    }


def breadcrumbs(unit: Unit) -> list[Unit]:
    """Return the unit's ancestors the user may see, from the scope root down to the unit."""
    ids = [int(part) for part in unit.path.strip("/").split("/")]
    units = {u.id: u for u in get_session().exec(select(Unit).where(Unit.id.in_(ids))).all()}
    return [units[i] for i in ids if i in units and current_user.can_see(units[i])]


#: Last page of comments one may ask for (10 a page): beyond it an offset is no page but an attack.
MAX_COMMENT_PAGE = 100_000


def table_of(page: Page) -> scores.ScoreTable:
    """Return the scores of the page's unit and its children (cached per filters and data version)."""
    table = scores.cached_score_scope(get_session(), level="children", **page.score_options())
    return replace(table, rows=scores.sort_rows(table.rows, page.sort))


def section(page: Page, name: str, *extra):
    """Return a section of the unit page, cached per unit, filters, settings and data version."""
    session = get_session()
    compute = {
        "trend": lambda: scores.trend(session, page.units, page.filters, page.settings),
        "counters": lambda: scores.counters(session, page.unit, page.filters, page.settings),
        "services": lambda: scores.services(session, page.units, page.filters, page.settings),
        "ratings": lambda: scores.ratings(session, page.units, page.filters, page.settings),
        "reasons": lambda: scores.reasons(session, page.units, page.filters),
        "dossiers": lambda: scores.dossiers(session, page.units, page.filters),
        "channels": lambda: scores.channels(session, page.units, page.filters),
        "rates": lambda: scores.response_rates(session, page.unit, page.units, page.filters),
        "comments": lambda: scores.comments(session, page.unit, page.filters, search=extra[0], page=extra[1]),
    }[name]
    return scores.cached(page_key(page, name, *extra), compute)


def page_key(page: Page, name: str, *extra) -> tuple:
    """Return the cache key of a piece of a page: unit, filters, settings, data version and more."""
    return (name, page.unit.id, page.period, page.service, page.channel, page.include_flagged, page.settings,
            scores.data_version(get_session()), *extra)


def ratings_of(page: Page) -> list[dict]:
    """Return the three-level ratings with their dissatisfaction reasons (both summed from the tally).

    Pages once counted reasons only on `?reasons=1`; that parameter is now ignored.
    """
    found = section(page, "reasons")
    return [{**rating, **found.get(rating["instrument"], {})} for rating in section(page, "ratings")]


def trend_of(page: Page) -> list[dict]:
    """Return the monthly trend of the page's unit (cached)."""
    return section(page, "trend")


@bp.get("/")
@signed_in
def overview():
    """Show the scope's index, one row per child unit with interval and verdict, a funnel plot
    and the trend.
    """
    page = read_page()
    return render_template("manage/overview.html", page=page, table=table_of(page), trend=trend_of(page),
                           ratings=ratings_of(page),
                           crumbs=breadcrumbs(page.unit), dossiers=section(page, "dossiers"),
                           rates=section(page, "rates"))


@bp.get("/unit/<code>")
@signed_in
def unit(code: str):
    """Show a unit: factors and items, trend, sub-units, counters, services, ratings, dossiers, comments."""
    page = read_page(code)
    search = request.args.get("q", "").strip()[:100]
    requested = request.args.get("page", "1")
    number = int(requested) if requested.isdigit() and 0 < int(requested) <= MAX_COMMENT_PAGE else 1
    return render_template(
        "manage/unit.html",
        page=page,
        table=table_of(page),
        trend=trend_of(page),
        crumbs=breadcrumbs(page.unit),
        counters=section(page, "counters"),
        services=section(page, "services"),
        ratings=ratings_of(page),
        dossiers=section(page, "dossiers"),
        channels=section(page, "channels"),
        rates=section(page, "rates"),
        comments=section(page, "comments", search, number),
        search=search,
        channel_labels=CHANNEL_LABELS,
    )


def report_of(page: Page) -> document.Report:
    """Return the official report of a unit page (one content for the HTML and the DOCX)."""
    parent = get_session().get(Unit, page.unit.parent_id) if page.unit.parent_id else None
    texts = instrument_texts()
    return document.build(
        page, table=table_of(page), trend=trend_of(page), counters=section(page, "counters"),
        ratings=ratings_of(page), dossiers=section(page, "dossiers"),
        channels=section(page, "channels"),
        channel_labels=CHANNEL_LABELS, parent_name=parent.name if parent else None, today=local_today(),
        language=str(get_locale()), item_texts=texts["item_texts"], factor_titles=texts["factor_titles"],
    )


@bp.get("/unit/<code>/report")
@signed_in
def report(code: str):
    """Show the official report of a unit and period as a printable A4 page (charts included)."""
    page = read_page(code)
    return render_template("manage/report.html", page=page, report=report_of(page))


@bp.get("/unit/<code>/report.docx")
@signed_in
def report_docx(code: str):
    """Download the official report of a unit and period as a Word document."""
    page = read_page(code)
    labels = chart_labels(page.settings)
    target, level = page.settings.target, page.settings.interval_level
    drawings = {"funnel": lambda: charts.funnel(table_of(page).rows, target=target, labels=labels,
                                                level=level, fmt="png"),
                "trend": lambda: charts.trend(trend_of(page), target=target, labels=labels, fmt="png")}
    body = word.to_docx(report_of(page), chart=lambda name: png(drawings[name]()))
    name = f"bao-cao-{page.unit.code}-{page.period.key.replace('..', '_')}.docx"
    return Response(body, mimetype=DOCX, headers={"Content-Disposition": f'attachment; filename="{name}"'})


def chart_labels(settings: scores.Settings) -> dict:
    """Return the translated texts of the charts (levels from the settings)."""
    return {
        "inner": _("%(level)s limits (the verdicts' level)", level=percent(settings.interval_level, 0)),
        "0.998": _("99.8% limits"), "target": _("Target"),
        "x": _("Effective number of responses (log scale)"), "y": _("SIPAS index"),
        "interval": _("%(level)s interval", level=percent(settings.confidence_level, 0)),
        "index": _("SIPAS index"), "centre": _("Centre line"),
        "limits": _("Control limits (3σ)"), "signal": _("Outside the limits"), "decimal": _("."),
        "partial": _("* Month under way (left out of the limits)"),
        "thousands": _(","),
    }


def png(data: str | bytes) -> bytes:
    """Return a chart drawn as PNG."""
    assert isinstance(data, bytes)
    return data


def svg(text: str | bytes) -> Response:
    """Return an SVG document response."""
    assert isinstance(text, str)
    return Response('<?xml version="1.0" encoding="utf-8"?>\n' + text, mimetype="image/svg+xml",
                    headers={"Cache-Control": "private, max-age=300"})


def chart(page: Page, name: str, draw) -> Response:
    """Return a chart of the page as SVG, drawn once per page key and language."""
    key = page_key(page, name, str(get_locale()))
    labels = chart_labels(page.settings)
    return svg(scores.cached(key, lambda: draw(target=page.settings.target, labels=labels)))


@bp.get("/unit/<code>/funnel.svg")
@signed_in
def funnel_chart(code: str):
    """Draw the funnel plot of a unit's children around the target."""
    page = read_page(code)
    rows = table_of(page).rows
    return chart(page, "funnel.svg",
                 lambda **options: charts.funnel(rows, level=page.settings.interval_level, **options))


@bp.get("/unit/<code>/trend.svg")
@signed_in
def trend_chart(code: str):
    """Draw the monthly trend of a unit with p-chart limits."""
    page = read_page(code)
    rows = trend_of(page)
    return chart(page, "trend.svg", lambda **options: charts.trend(rows, **options))


def export(page: Page, fmt: str) -> Response:
    """Return every section of a page (the scope's own sections included) as CSV or XLSX."""
    parts = {name: section(page, name)
             for name in ("trend", "channels", "dossiers", "counters", "services", "rates")}
    parts["ratings"] = ratings_of(page)
    parts["comments"] = section(page, "comments", "", 1)
    return exports.download(page, table_of(page), parts, fmt=fmt, item_texts=instrument_texts()["item_texts"])


@bp.get("/export.<any(csv, xlsx):fmt>")
@signed_in
def export_overview(fmt: str):
    """Download the overview of the user's scope as CSV or XLSX (one sheet per section)."""
    return export(read_page(), fmt)


@bp.get("/unit/<code>/export.<any(csv, xlsx):fmt>")
@signed_in
def export_unit(code: str, fmt: str):
    """Download a unit's page as CSV or XLSX: units, items, trend, channels, ratings and reasons,
    TT 01 and QĐ 766, counters, services and the newest comments.
    """
    return export(read_page(code), fmt)
