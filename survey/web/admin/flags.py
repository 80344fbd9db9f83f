"""Rating-stuffing flags: the share of flagged responses per unit in scope, and why."""

from collections import defaultdict
from datetime import timedelta

from flask import render_template, request
from sqlalchemy import case
from sqlmodel import func, select

from survey.db import get_session
from survey.models import Response, utcnow
from survey.web.admin.blueprint import bp, depth, units_in_scope

#: Periods offered on the page, in days.
PERIODS = (7, 30, 90, 365)


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
