"""Improvement follow-up on a unit page: actions against weak items, and whether the item changed after.

For each action the item's satisfied share over FOLLOWUP_MONTHS before its date is compared with
the share from its date on (up to as many months, and today), with the pooled two-proportion test
(`scoring.proportion_change`); the months of both windows are shown one by one.
"""

from datetime import date, timedelta

from flask import current_app, flash, redirect, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlmodel import select
from wtforms import SelectChoice

import scoring
from forms.followup import ImprovementForm
from survey import scores
from survey.core import audit
from survey.core.retention import months_before
from survey.db import get_session
from survey.models import ImprovementAction, Role, Unit
from survey.periods import Period, local_today
from survey.web.auth import roles_required, unit_in_scope_or_404
from survey.web.manage.views import bp

EDITORS = (Role.PROVINCE_ADMIN, Role.UNIT_MANAGER)


def windows(due_on: date, months: int, today: date) -> tuple[Period, Period | None]:
    """Return the `months` before an action's date and the same length from it on (None before it comes)."""
    before = Period("before", "range", months_before(due_on, months), due_on - timedelta(days=1))
    last = min(months_before(due_on, -months) - timedelta(days=1), today)
    return before, (Period("after", "range", due_on, last) if last >= due_on else None)


def item_share(unit: Unit, period: Period | None, code: str, settings: scores.Settings) -> dict:
    """Return an item's answers and satisfied answers at a unit (its subtree) in a period."""
    if period is None:
        return {"n": 0, "satisfied": 0, "estimate": None}
    table = scores.cached_score_scope(get_session(), unit=unit, period=period, level="self",
                                      settings=settings)
    item = table.scope["items"].get(code) or {}
    return {"n": item.get("n", 0), "satisfied": item.get("satisfied", 0), "estimate": item.get("estimate")}


def follow_up(unit: Unit, action: ImprovementAction, settings: scores.Settings) -> dict:
    """Return an action with its before/after shares, the test of change and the months of both windows."""
    session = get_session()
    before, after = windows(action.due_on, int(current_app.config["FOLLOWUP_MONTHS"]), local_today())
    shares = {"before": item_share(unit, before, action.item_code, settings),
              "after": item_share(unit, after, action.item_code, settings)}
    change = scoring.proportion_change(shares["before"]["satisfied"], shares["before"]["n"],
                                       shares["after"]["satisfied"], shares["after"]["n"],
                                       confidence_level=settings.confidence_level)
    span = Period("span", "range", before.first, after.last if after else before.last)
    units, filters = scores.subtree_units(session, unit), scores.make_filters(session, span)
    months = scores.trend(session, units, filters, settings)
    due_month = action.due_on.strftime("%Y-%m")
    trend = [{"month": row["month"], "side": "before" if row["month"] < due_month else "after",
              **(row["items"].get(action.item_code) or {"n": 0, "estimate": None})} for row in months]
    return {"action": action, "before": before, "after": after, "shares": shares, "change": change,
            "trend": trend}


@bp.app_template_global("followup")
def followup(unit: Unit, table: scores.ScoreTable, settings: scores.Settings) -> dict:
    """Give the unit page its actions with their follow-up, and the form (weakest items first) for editors."""
    newest_first = (ImprovementAction.due_on.desc(), ImprovementAction.id.desc())
    actions = get_session().exec(select(ImprovementAction).where(ImprovementAction.unit_id == unit.id)
                                 .order_by(*newest_first)).all()
    form = None
    if current_user.role in EDITORS:
        form = ImprovementForm()
        form.item.choices = item_choices(table)
    return {"rows": [follow_up(unit, action, settings) for action in actions], "form": form}


def item_choices(table: scores.ScoreTable) -> list:
    """Return the SIPAS items as choices, the weakest (lowest share) first, then those without answers."""
    items = table.scope["items"]
    codes = [item.code for item in scores.sipas_instrument().scored_items]
    ordered = sorted(codes, key=lambda code: (items.get(code, {}).get("estimate") is None,
                                              items.get(code, {}).get("estimate") or 0, codes.index(code)))
    return [SelectChoice(code, code) for code in ordered]


@bp.post("/unit/<code>/actions")
@roles_required(*EDITORS)
def add_action(code: str):
    """Record an improvement action for one of the unit's items (audited), then show the unit page."""
    unit = unit_in_scope_or_404(code)
    form = ImprovementForm()
    codes = [item.code for item in scores.sipas_instrument().scored_items]
    form.item.choices = [SelectChoice(code, code) for code in codes]
    back = url_for("manage.unit", code=unit.code, _anchor="followup")
    if not form.validate_on_submit():
        for name, errors in form.errors.items():
            for error in errors:
                flash(f"{getattr(form, name).label.text}: {error}", "error")
        return redirect(back, code=303)
    session = get_session()
    action = ImprovementAction(unit_id=unit.id, item_code=form.item.data, what=form.what.data.strip(),
                               who=form.who.data.strip(), due_on=form.due_on.data, created_by=current_user.id)
    session.add(action)
    session.flush()
    audit.record(session, current_user.id, "create", action, None, audit.snapshot(action))
    session.commit()
    flash(_("Improvement action recorded."), "success")
    return redirect(back, code=303)
