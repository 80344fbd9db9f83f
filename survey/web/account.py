"""A signed-in user's own settings: the address for alerts and digests, the digest, alerts on or off."""

from flask import Blueprint, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from forms.notify import NotificationsForm
from survey.core import audit
from survey.db import get_session

bp = Blueprint("account", __name__, url_prefix="/account")


@bp.route("/notifications", methods=["GET", "POST"])
@login_required
def notifications():
    """Show and change where and which mails the signed-in user gets."""
    session = get_session()
    user = current_user.row
    form = NotificationsForm(obj=user)
    if form.validate_on_submit():
        before = audit.snapshot(user)
        user.email = (form.email.data or "").strip() or None
        user.digest, user.alerts = form.digest.data, form.alerts.data
        audit.record(session, user.id, "notifications", user, before, audit.snapshot(user))
        session.commit()
        flash(_("Notification settings saved."), "success")
        return redirect(url_for("account.notifications"), code=303)
    return render_template("account/notifications.html", form=form)
