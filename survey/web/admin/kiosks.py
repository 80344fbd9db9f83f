"""Administration of kiosk tablets: add one to a counter, show its one-time enrolment code, retire it,
see every kiosk's health, and decide on the ratings a re-enrolled kiosk held."""

from datetime import timedelta

from flask import abort, current_app, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user

from forms.admin import ConfirmForm, KioskForm, KioskIntervalForm
from survey.core import audit, devices, held, webhooks
from survey.core.kiosk_health import FLAGGED_DAYS, kiosk_health
from survey.db import get_session
from survey.models import KioskDevice, utcnow
from survey.web.admin.blueprint import (
    bp,
    commit_change,
    counter_or_404,
    toggle_active,
    units_in_scope,
    validated,
)
from survey.web.kiosk import app_version


@bp.route("/counters/<int:counter_id>/kiosks", methods=["POST"])
def create_kiosk(counter_id: int):
    """Add a kiosk to a counter and show its enrolment code once."""
    counter, _unit = counter_or_404(counter_id)
    form = KioskForm()
    validated(form, url_for("admin.counter", counter_id=counter.id))
    device = KioskDevice(
        counter_id=counter.id, name=form.name.data, min_interval_seconds=form.min_interval_seconds.data
    )
    code = devices.issue_enrol_code(device)
    return show_code(device, code, "create", None)


@bp.route("/kiosks/<int:kiosk_id>/code", methods=["POST"])
def new_enrol_code(kiosk_id: int):
    """Issue a new enrolment code (for a new tablet or after a reset); the old credential stops."""
    device = kiosk_or_404(kiosk_id)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    before = audit.snapshot(device)
    code = devices.issue_enrol_code(device)
    device.credential_hash = None
    return show_code(device, code, "enrol-code", before)


def show_code(device: KioskDevice, code: str, action: str, before: dict | None):
    """Commit the device with its new code, then show the code (never stored, never redirected)."""
    session = get_session()
    session.add(device)
    session.flush()
    audit.record(session, current_user.id, action, device, before, audit.snapshot(device))
    session.commit()
    counter, unit = counter_or_404(device.counter_id)
    minutes = int(devices.ENROL_VALIDITY.total_seconds() // 60)
    return render_template(
        "admin/enrol_code.html", device=device, counter=counter, unit=unit, code=code, minutes=minutes
    )


@bp.route("/kiosks/<int:kiosk_id>/interval", methods=["POST"])
def kiosk_interval(kiosk_id: int):
    """Change a kiosk's minimum seconds between ratings (closer ratings are flagged), audited."""
    device = kiosk_or_404(kiosk_id)
    form = KioskIntervalForm()
    validated(form, url_for("admin.counter", counter_id=device.counter_id))
    before = audit.snapshot(device)
    device.min_interval_seconds = form.min_interval_seconds.data
    return commit_change("update", device, before, _("Minimum interval saved."))


@bp.route("/kiosks/<int:kiosk_id>/active", methods=["POST"])
def toggle_kiosk(kiosk_id: int):
    """Retire a kiosk (its credential stops working) or bring it back; a retirement is a webhook event.

    A kiosk brought back holds what it answered before, for a decision on the health page.
    """
    device = kiosk_or_404(kiosk_id)
    if device.active:
        counter, unit = counter_or_404(device.counter_id)
        webhooks.enqueue(get_session(), "kiosk.retired", unit,
                         {"kiosk_id": device.id, "kiosk": device.name, "counter_id": counter.id})
    else:
        device.accepts_from = utcnow()
    return toggle_active(device, reactivated=_("Kiosk reactivated."), deactivated=_("Kiosk retired."))


@bp.route("/kiosks")
def kiosks():
    """Show every kiosk in scope: silent ones first, held ratings awaiting a decision, then all."""
    minutes = current_app.config["KIOSK_SILENT_MINUTES"]
    rows = kiosk_health(get_session(), [unit.id for unit in units_in_scope()],
                        silent_after=timedelta(minutes=minutes))
    return render_template("admin/kiosks.html", rows=rows, minutes=minutes, version=app_version(),
                           days=FLAGGED_DAYS, confirm_form=ConfirmForm())


@bp.route("/kiosks/<int:kiosk_id>/held/<any(accept, discard):decision>", methods=["POST"])
def decide_held(kiosk_id: int, decision: str):
    """Accept (count) or discard the ratings a kiosk held from before its enrolment; audited."""
    device = kiosk_or_404(kiosk_id)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    session = get_session()
    count = held.decide(session, device, current_user, decision)
    session.commit()
    if decision == held.ACCEPT:
        flash(ngettext("%(num)d held rating accepted.", "%(num)d held ratings accepted.", count), "success")
    else:
        flash(ngettext("%(num)d held rating discarded.", "%(num)d held ratings discarded.", count), "success")
    return redirect(url_for("admin.kiosks"), code=303)


def kiosk_or_404(kiosk_id: int) -> KioskDevice:
    """Return a kiosk whose counter is in the user's scope, or 404."""
    device = get_session().get(KioskDevice, kiosk_id)
    if device is None:
        abort(404)
    counter_or_404(device.counter_id)
    return device
