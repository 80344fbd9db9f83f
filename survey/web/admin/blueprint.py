"""The administration blueprint and what its pages share: access, scope lookups, auditing."""


from flask import Blueprint, abort, flash, redirect, url_for
from flask_login import current_user
from sqlmodel import func, select
from wtforms import SelectChoice

from forms.admin import ConfirmForm
from survey.core import audit
from survey.db import get_session
from survey.models import ApiKey, Counter, KioskDevice, Role, Unit, User
from survey.web.auth import login_manager, subtree_filter

bp = Blueprint("admin", __name__, url_prefix="/admin")

#: Roles that may administer (inside their scope); viewers and everybody else get 404.
ADMIN_ROLES = (Role.PROVINCE_ADMIN, Role.UNIT_MANAGER)


@bp.before_request
def require_admin():
    """Send strangers to sign in and hide the pages from viewers (404)."""
    if not current_user.is_authenticated:
        return login_manager.unauthorized()
    if current_user.role not in ADMIN_ROLES:
        abort(404)
    return None


@bp.after_request
def no_store(response):
    """Keep administration pages (and the secrets some show once) out of caches."""
    response.headers["Cache-Control"] = "no-store"
    return response


def admins_only() -> None:
    """Abort with 404 unless the user is a province admin."""
    if not current_user.is_admin:
        abort(404)


def units_in_scope(*, active_only: bool = False) -> list[Unit]:
    """Return the units the user may administer, in tree order."""
    query = select(Unit).where(subtree_filter(current_user)).order_by(Unit.path)
    if active_only:
        query = query.where(Unit.active)
    return list(get_session().exec(query).all())


def unit_choices(*, active_only: bool = True) -> list[SelectChoice]:
    """Return (id, indented name) pairs of the units in scope, for select fields."""
    return [
        SelectChoice(unit.id, "\u2003" * depth(unit) + f"{unit.name} ({unit.code})")
        for unit in units_in_scope(active_only=active_only)
    ]


def depth(unit: Unit) -> int:
    """Return how deep a unit sits in the tree (the province is 0)."""
    return unit.path.count("/") - 2


def unit_or_404(unit_id: int) -> Unit:
    """Return a unit in the user's scope, or 404."""
    unit = get_session().get(Unit, unit_id)
    if unit is None or not current_user.can_see(unit):
        abort(404)
    return unit


def counter_or_404(counter_id: int) -> tuple[Counter, Unit]:
    """Return a counter whose unit is in the user's scope, with its unit, or 404."""
    counter = get_session().get(Counter, counter_id)
    if counter is None:
        abort(404)
    return counter, unit_or_404(counter.unit_id)


def commit_change(action: str, row, before: dict | None, message: str):
    """Audit a change, commit it, flash a message and redirect (303) to the row's page."""
    session = get_session()
    session.add(row)
    session.flush()  # new rows get their id before the snapshot
    audit.record(session, current_user.id, action, row, before, audit.snapshot(row))
    session.commit()
    flash(message, "success")
    return redirect(page_of(row), code=303)


def toggle_active(row, *, reactivated: str, deactivated: str):
    """Flip a row's active flag on a confirmed POST, audit it, commit and redirect."""
    if not ConfirmForm().validate_on_submit():
        abort(400)
    before = audit.snapshot(row)
    row.active = not row.active
    action, message = ("activate", reactivated) if row.active else ("deactivate", deactivated)
    return commit_change(action, row, before, message)


def retire(row, *, action: str, message: str):
    """Switch an active row off for good on a confirmed POST (400 if it is off already), audited."""
    if not ConfirmForm().validate_on_submit() or not row.active:
        abort(400)
    before = audit.snapshot(row)
    row.active = False
    return commit_change(action, row, before, message)


def page_of(row) -> str:
    """Return the administration page where a row is managed."""
    if isinstance(row, Unit):
        return url_for("admin.unit", unit_id=row.id)
    if isinstance(row, Counter):
        return url_for("admin.counter", counter_id=row.id)
    if isinstance(row, KioskDevice):
        return url_for("admin.counter", counter_id=row.counter_id)
    if isinstance(row, User):
        return url_for("admin.users")
    if isinstance(row, ApiKey):
        return url_for("admin.api_keys")
    return url_for("admin.index")


class Rejected(Exception):
    """A posted change was refused (its reasons flashed): go back to the page it came from."""

    def __init__(self, back: str):
        super().__init__(back)
        self.back = back


@bp.errorhandler(Rejected)
def go_back(error: Rejected):
    """Answer a refused change with a redirect back to its page."""
    return redirect(error.back, code=303)


def validated(form, back: str) -> None:
    """Raise Rejected, with the form's errors flashed, unless the posted form is valid."""
    if form.validate_on_submit():
        return
    form_errors(form)
    raise Rejected(back)


def code_free(model, code: str, message: str, back: str) -> None:
    """Raise Rejected, with `message` flashed, when a row of `model` has this code already (in any case)."""
    if get_session().exec(select(model).where(func.upper(model.code) == code.upper())).first() is not None:
        flash(message, "error")
        raise Rejected(back)


def form_errors(form) -> None:
    """Flash a form's validation errors (for forms posted from a page showing several forms)."""
    for name, errors in form.errors.items():
        label = getattr(form, name).label.text if hasattr(form, name) else name
        for error in errors:
            flash(f"{label}: {error}", "error")
