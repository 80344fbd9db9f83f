"""Public results of a scope (/public/<unit code>): verdicts, intervals, trends; no comments, no small groups.

Shown only while an administrator has the scope's page enabled; without JavaScript; cacheable
(Cache-Control public, an ETag of the data version, 304 for a repeat).
"""

import hashlib
from dataclasses import astuple

from flask import Blueprint, abort, current_app, make_response, render_template, request
from flask_babel import get_locale
from sqlmodel import select

from survey.db import get_session, read_from_replica
from survey.models import PublicPage, Unit
from survey.periods import PeriodError
from survey.periods import parse as parse_period
from survey.scores import (
    Settings,
    cached,
    cached_score_scope,
    data_version,
    make_filters,
    subtree_units,
    trend,
)
from survey.web.filters import percent

bp = Blueprint("public", __name__, url_prefix="/public")


def published_or_404(code: str) -> tuple[Unit, PublicPage]:
    """Return an active unit whose public page is enabled, or 404."""
    session = get_session()
    unit = session.exec(select(Unit).where(Unit.code == code, Unit.active)).first()
    page = unit and session.exec(
        select(PublicPage).where(PublicPage.unit_id == unit.id, PublicPage.enabled)).first()
    if unit is None or not page:
        abort(404)
    return unit, page


def shown(row: dict, min_n: int) -> dict:
    """Return what may be published of a score row: nothing but the name below min_n respondents."""
    if row["n"] < min_n:
        return {"name": row["name"], "unit": row["unit"], "suppressed": True}
    return {**row, "suppressed": False}


def monthly(unit: Unit, period, settings: Settings, min_n: int) -> list[dict]:
    """Return a unit's monthly index, months below min_n respondents left out."""
    session = get_session()
    key = ("public-trend", unit.id, period, settings, data_version(session))
    rows = cached(key, lambda: trend(session, subtree_units(session, unit), make_filters(session, period),
                                     settings))
    return [{"month": row["month"], "estimate": row["index"]["estimate"],
             "label": f"{row['month'][5:]}/{row['month'][:4]}: {percent(row['index']['estimate'], 1)}"}
            for row in rows if row["n"] >= min_n and row["index"]["estimate"] is not None]


@bp.route("/<code>")
def results(code: str):
    """Show a scope's published results for a period (default: the last twelve months)."""
    read_from_replica()  # a score page: it reads the replica (DATABASE_REPLICA_URL) when there is one
    unit, page = published_or_404(code)
    try:
        period = parse_period(request.args.get("period"))
    except PeriodError:
        abort(404)
    session = get_session()
    settings = Settings.from_config(current_app.config)
    min_n = max(int(current_app.config["PUBLIC_MIN_N"]), 1)
    version = (unit.id, period, astuple(settings), min_n, data_version(session), str(get_locale()),
               page.changed_at)
    tag = hashlib.sha256(repr(version).encode()).hexdigest()[:32]
    if tag in request.if_none_match:
        response = make_response("", 304)
    else:
        table = cached_score_scope(session, unit=unit, period=period)
        units = {u.code: u for u in subtree_units(session, unit)}
        rows = [shown(row, min_n) for row in (table.scope, *table.rows)]
        for row in rows:
            row["trend"] = [] if row["suppressed"] else monthly(units[row["unit"]], period, settings, min_n)
        html = render_template("public/results.html", unit=unit, period=period, rows=rows,
                               months=period.months(), settings=settings, min_n=min_n)
        response = make_response(html)
    response.set_etag(tag)
    response.cache_control.public = True
    response.cache_control.max_age = int(current_app.config["PUBLIC_CACHE_SECONDS"])
    response.vary.add("Cookie")  # the language may come from the lang cookie
    return response
