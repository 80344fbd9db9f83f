"""Administration of users: create inside one's scope, deactivate, reset a password."""

from flask import abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlmodel import select

from forms.admin import ConfirmForm, PasswordForm, UserForm
from survey.core import audit
from survey.core.passwords import hash_password
from survey.db import get_session
from survey.models import Role, Unit, User
from survey.web import labels
from survey.web.admin.blueprint import (
    bp,
    commit_change,
    toggle_active,
    unit_choices,
    unit_or_404,
    validated,
)
from survey.web.auth import end_sessions, subtree_filter


def role_choices() -> list[tuple[str, str]]:
    """Return the roles the signed-in user may give, named: never province admin unless one is."""
    roles = [Role.UNIT_MANAGER, Role.VIEWER] + ([Role.PROVINCE_ADMIN] if current_user.is_admin else [])
    return [(role.value, str(labels.ROLES[role.value])) for role in roles]


def user_form(**values) -> UserForm:
    """Return the new-user form with its choices filled."""
    form = UserForm(**values)
    form.role.choices = role_choices()
    form.unit.choices = unit_choices()
    return form


@bp.route("/users")
def users():
    """List the users in scope with forms to add, deactivate and reset passwords."""
    query = select(User, Unit).join(Unit, User.unit_id == Unit.id, isouter=True).order_by(User.username)
    if not current_user.is_admin:
        query = query.where(subtree_filter(current_user), User.role != Role.PROVINCE_ADMIN)
    rows = get_session().exec(query).all()
    return render_template(
        "admin/users.html", rows=rows, form=user_form(), confirm_form=ConfirmForm(),
        password_form=PasswordForm(),
    )


@bp.route("/users", methods=["POST"])
def create_user():
    """Create a user with a role inside the signed-in user's scope."""
    form = user_form()
    validated(form, url_for("admin.users"))
    session = get_session()
    if session.exec(select(User).where(User.username == form.username.data)).first():
        flash(_("The username %(name)s is taken.", name=form.username.data), "error")
        return redirect(url_for("admin.users"), code=303)
    unit = unit_or_404(form.unit.data)
    if not may_administer(form.role.data, unit):
        flash(_("A manager can be created only for a unit below your own; a viewer anywhere in your "
                "units."), "error")
        return redirect(url_for("admin.users"), code=303)
    user = User(
        username=form.username.data, password_hash=hash_password(form.password.data), role=form.role.data,
        unit_id=unit.id,
    )
    session.add(user)
    return commit_change("create", user, None, _("User %(name)s created.", name=user.username))


@bp.route("/users/<int:user_id>/active", methods=["POST"])
def toggle_user(user_id: int):
    """Deactivate an active user or reactivate an inactive one (never oneself)."""
    user = user_or_404(user_id)
    if user.id == current_user.id:
        abort(400)
    return toggle_active(user, reactivated=_("User reactivated."), deactivated=_("User deactivated."))


@bp.route("/users/<int:user_id>/password", methods=["POST"])
def reset_password(user_id: int):
    """Set a new password for a user and lift any lockout."""
    user = user_or_404(user_id)
    form = PasswordForm()
    validated(form, url_for("admin.users"))
    before = audit.snapshot(user)
    user.password_hash = hash_password(form.password.data)
    user.failed_logins, user.locked_until = 0, None
    end_sessions(user)
    audit_after = {**audit.snapshot(user), "password": "reset"}
    session = get_session()
    audit.record(session, current_user.id, "reset-password", user, before, audit_after)
    session.commit()
    flash(_("Password of %(name)s reset.", name=user.username), "success")
    return redirect(url_for("admin.users"), code=303)


def may_administer(role: str, unit: Unit | None) -> bool:
    """Tell whether the signed-in user may create or change a user with this role and scope.

    A province admin may change anyone. A unit manager may change viewers anywhere in their subtree
    and managers whose scope lies strictly inside theirs: never a peer at the same root (who could
    otherwise lock them out), never a province admin (docs/security.md).
    """
    if current_user.is_admin:
        return True
    if role == Role.PROVINCE_ADMIN or unit is None or not current_user.can_see(unit):
        return False
    return role == Role.VIEWER or unit.path != current_user.scope.path


def user_or_404(user_id: int) -> User:
    """Return a user the signed-in user may administer, or 404."""
    session = get_session()
    user = session.get(User, user_id)
    if user is None:
        abort(404)
    unit = session.get(Unit, user.unit_id) if user.unit_id else None
    if not may_administer(user.role, unit):
        abort(404)
    return user
