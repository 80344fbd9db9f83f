"""Public results pages: a province administrator turns a scope's page on or off (on its unit page)."""

from flask import abort, flash, redirect, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlmodel import select

from forms.admin import ConfirmForm
from survey.core import audit
from survey.db import get_session
from survey.models import PublicPage, Unit, utcnow
from survey.web.admin.blueprint import admins_only, bp, unit_or_404


def public_page(unit: Unit) -> PublicPage | None:
    """Return the unit's public page row, if one was ever made."""
    return get_session().exec(select(PublicPage).where(PublicPage.unit_id == unit.id)).first()


@bp.route("/units/<int:unit_id>/public", methods=["POST"])
def toggle_public(unit_id: int):
    """Publish a scope's results at /public/<code>, or stop publishing them (audited)."""
    admins_only()
    unit = unit_or_404(unit_id)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    session = get_session()
    page = public_page(unit)
    before = audit.snapshot(page)
    page = page or PublicPage(unit_id=unit_id)
    page.enabled, page.changed_at = not page.enabled, utcnow()
    session.add(page)
    session.flush()
    audit.record(session, current_user.id, "publish" if page.enabled else "unpublish", page, before,
                 audit.snapshot(page))
    session.commit()
    flash(_("Results of %(unit)s are public now.", unit=unit.name) if page.enabled
          else _("Results of %(unit)s are no longer public.", unit=unit.name), "success")
    return redirect(url_for("admin.unit", unit_id=unit.id), code=303)
