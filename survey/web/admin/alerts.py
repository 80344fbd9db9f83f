"""Alert rules of a scope: which alerts its users get (on the unit's administration page)."""

from flask import flash, redirect, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlmodel import select

from forms.notify import AlertRuleForm
from survey.core import audit
from survey.db import get_session
from survey.models import AlertRule, Unit, utcnow
from survey.notify.alerts import rule_for, rules
from survey.web.admin.blueprint import bp, unit_or_404, validated


def alert_form(unit: Unit) -> AlertRuleForm:
    """Return the form filled with the rule that applies to the unit now (its own or inherited)."""
    return AlertRuleForm(obj=rule_for(unit, rules(get_session())))


@bp.route("/units/<int:unit_id>/alerts", methods=["POST"])
def unit_alerts(unit_id: int):
    """Store the unit's own alert rule (it then applies to its subtree), audited."""
    unit = unit_or_404(unit_id)
    back = url_for("admin.unit", unit_id=unit.id)
    form = AlertRuleForm()
    validated(form, back)
    session = get_session()
    rule = session.exec(select(AlertRule).where(AlertRule.unit_id == unit.id)).first()
    before = audit.snapshot(rule)
    rule = rule or AlertRule(unit_id=unit_id)
    rule.verdict, rule.spike_count = form.verdict.data, form.spike_count.data
    rule.kiosk_silent_hours, rule.words = form.kiosk_silent_hours.data, (form.words.data or "").strip()
    rule.updated_at = utcnow()
    session.add(rule)
    session.flush()
    action = "update" if before else "create"
    audit.record(session, current_user.id, action, rule, before, audit.snapshot(rule))
    session.commit()
    flash(_("Alert rule saved: it applies to this unit and the units under it."), "success")
    return redirect(back, code=303)
