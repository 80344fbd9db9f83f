"""Rating-stuffing flags: the share of flagged responses per unit in scope, and why."""

import json
from collections import defaultdict
from datetime import timedelta
from functools import cache

from flask import render_template, request
from sqlalchemy import case
from sqlmodel import col, func, select

from survey import instruments
from survey.db import get_session
from survey.models import Answer, Counter, Instrument, Response, utcnow
from survey.web.admin.blueprint import bp, depth, units_in_scope

#: Periods offered on the page, in days.
PERIODS = (7, 30, 90, 365)
PER_PAGE = 50


@bp.route("/flags")
def flags():
    """Show per unit how many responses were flagged, and the reasons."""
    days = request.args.get("days", 30, type=int)
    days = days if days in PERIODS else 30
    since = utcnow() - timedelta(days=days)
    units = units_in_scope()
    ids = [unit.id for unit in units]
    session = get_session()
    totals = {
        unit_id: (count, flagged)
        for unit_id, count, flagged in session.exec(
            select(Response.unit_id, func.count(), func.sum(case((Response.suspicious, 1), else_=0)))
            .where(Response.unit_id.in_(ids), Response.submitted_at >= since)
            .group_by(Response.unit_id)
        ).all()
    }
    reasons = defaultdict(list)
    for unit_id, reason, count in session.exec(
        select(Response.unit_id, Response.suspicious_reason, func.count())
        .where(Response.unit_id.in_(ids), Response.submitted_at >= since, Response.suspicious)
        .group_by(Response.unit_id, Response.suspicious_reason)
        .order_by(func.count().desc())
    ).all():
        reasons[unit_id].append((reason or "?", count))
    rows = [
        {
            "unit": unit,
            "depth": depth(unit),
            "count": totals[unit.id][0],
            "flagged": totals[unit.id][1] or 0,
            "reasons": reasons[unit.id],
        }
        for unit in units
        if unit.id in totals
    ]
    return render_template("admin/flags.html", rows=rows, days=days, periods=PERIODS)


@cache
def stored_items(definition: str) -> list[tuple[str, int]]:
    """Return (item code, slot) of a stored instrument version, as it was answered."""
    instrument = instruments.parse(json.loads(definition), source="stored instrument")
    return [(item.code, item.slot) for item in instrument.items]


def answered(values, items: list[tuple[str, int]]) -> list[tuple[str, int]]:
    """Return (item code, stored value) of the items a response answered."""
    if values is None:
        return []
    return [(code, values[f"v{slot:02d}"]) for code, slot in items if values[f"v{slot:02d}"] is not None]


#: Last page of flagged responses one may ask for.
MAX_PAGE = 100_000


@bp.route("/flags/responses")
def flagged_responses():
    """List flagged responses one by one (newest first) with their reason and answers; filter by unit,
    reason and period.
    """
    days = request.args.get("days", 30, type=int)
    days = days if days in PERIODS else 30
    # A page beyond the last one a person could reach is no page: its offset would overflow the database.
    page = min(max(request.args.get("page", 1, type=int), 1), MAX_PAGE)
    units = {unit.id: unit for unit in units_in_scope()}
    unit_id = request.args.get("unit", type=int)
    chosen = [unit_id] if unit_id in units else list(units)
    reason = request.args.get("reason", "")[:200]
    since = utcnow() - timedelta(days=days)
    where = [Response.unit_id.in_(chosen), Response.suspicious, Response.submitted_at >= since]
    if reason:
        where.append(Response.suspicious_reason == reason)
    session = get_session()
    found = session.exec(
        select(Response, Instrument.definition, Counter.name)
        .join(Instrument, Instrument.id == Response.instrument_id)
        .join(Counter, Counter.id == Response.counter_id, isouter=True)
        .where(*where).order_by(col(Response.submitted_at).desc(), col(Response.id).desc())
        .offset((page - 1) * PER_PAGE).limit(PER_PAGE + 1)
    ).all()
    table = Answer.__table__
    answers = {row.response_id: row._mapping for row in session.connection().execute(
        select(table).where(table.c.response_id.in_([response.id for response, *_ in found])))}
    rows = [{"response": response, "unit": units[response.unit_id], "counter": counter,
             "answers": answered(answers.get(response.id), stored_items(definition))}
            for response, definition, counter in found[:PER_PAGE]]
    reasons = session.exec(select(Response.suspicious_reason).where(*where[:3]).distinct()).all()
    return render_template("admin/flagged.html", rows=rows, days=days, periods=PERIODS, page=page,
                           more=len(found) > PER_PAGE, units=list(units.values()), unit_id=unit_id,
                           reason=reason, reasons=sorted(r for r in reasons if r))
