"""Administration of counters: create, rename, questionnaire, deactivate, rotate the token."""

from flask import abort, flash, render_template, url_for
from flask_babel import gettext as _
from sqlalchemy import case
from sqlmodel import func, select

from forms.admin import ConfirmForm, CounterForm, KioskForm
from survey.core import audit
from survey.core.qr import short_url, survey_url
from survey.core.units import give_short_code, new_counter_token
from survey.db import get_session
from survey.models import Counter, KioskDevice, Response, utcnow
from survey.web.admin.blueprint import (
    bp,
    commit_change,
    counter_or_404,
    toggle_active,
    unit_or_404,
    validated,
)
from survey.web.admin.units import instrument_choices


@bp.route("/units/<int:unit_id>/counters", methods=["POST"])
def create_counter(unit_id: int):
    """Create a counter of a unit with a fresh token."""
    unit = unit_or_404(unit_id)
    form = CounterForm()
    form.instrument.choices = instrument_choices()
    validated(form, url_for("admin.unit", unit_id=unit.id))
    counter = Counter(
        unit_id=unit.id, name=form.name.data, instrument_code=form.instrument.data, token=new_counter_token()
    )
    give_short_code(get_session(), counter)
    return commit_change("create", counter, None, _("Counter %(name)s created.", name=counter.name))


@bp.route("/counters/<int:counter_id>")
def counter(counter_id: int):
    """Show a counter: its survey link, poster, kiosks and settings."""
    counter, unit = counter_or_404(counter_id)
    form = CounterForm(name=counter.name, instrument=counter.instrument_code)
    form.instrument.choices = instrument_choices()
    session = get_session()
    kiosks = session.exec(
        select(KioskDevice).where(KioskDevice.counter_id == counter.id).order_by(KioskDevice.id)
    ).all()
    ratings, flagged, last = session.exec(
        select(
            func.count(), func.sum(case((Response.suspicious, 1), else_=0)), func.max(Response.submitted_at)
        ).where(Response.counter_id == counter.id)
    ).one()
    return render_template(
        "admin/counter.html",
        counter=counter,
        unit=unit,
        url=survey_url(counter),
        short_url=short_url(counter),
        form=form,
        confirm_form=ConfirmForm(),
        kiosk_form=KioskForm(),
        kiosks=kiosks,
        ratings={"count": ratings, "flagged": flagged or 0, "last": last},
    )


@bp.route("/counters/<int:counter_id>/edit", methods=["POST"])
def edit_counter(counter_id: int):
    """Rename a counter or change its questionnaire."""
    counter, _unit = counter_or_404(counter_id)
    form = CounterForm()
    form.instrument.choices = instrument_choices()
    validated(form, url_for("admin.counter", counter_id=counter.id))
    before = audit.snapshot(counter)
    counter.name, counter.instrument_code = form.name.data, form.instrument.data
    return commit_change("update", counter, before, _("Counter saved."))


@bp.route("/counters/<int:counter_id>/active", methods=["POST"])
def toggle_counter(counter_id: int):
    """Deactivate an active counter or reactivate an inactive one."""
    counter, _unit = counter_or_404(counter_id)
    return toggle_active(
        counter, reactivated=_("Counter reactivated."), deactivated=_("Counter deactivated.")
    )


@bp.route("/counters/<int:counter_id>/rotate", methods=["POST"])
def rotate_token(counter_id: int):
    """Give a counter a new token: printed posters stop working."""
    counter, _unit = counter_or_404(counter_id)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    before = audit.snapshot(counter)
    counter.token, counter.token_rotated_at = new_counter_token(), utcnow()
    give_short_code(get_session(), counter)
    flash(_("Print the new poster: the old one no longer opens the survey."), "warning")
    return commit_change("rotate-token", counter, before, _("Counter token rotated."))
