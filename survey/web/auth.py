"""Sign-in, sign-out, password hashing, lockout and the unit scope of each user."""

from datetime import timedelta
from functools import wraps

from flask import Blueprint, Flask, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import LoginManager, current_user, login_required, login_user, logout_user
from flask_wtf.csrf import CSRFProtect
from sqlmodel import select

from forms.auth import LoginForm
from survey.core.passwords import verify_password
from survey.db import get_session
from survey.models import Role, Unit, User, utcnow

bp = Blueprint("auth", __name__)
login_manager = LoginManager()
csrf = CSRFProtect()

#: Failed sign-ins in a row before the account is locked, and for how long.
MAX_FAILED_LOGINS = 5
LOCKOUT = timedelta(minutes=15)


class SignedInUser:
    """The Flask-Login view of a User row."""

    is_authenticated = True
    is_active = True
    is_anonymous = False

    def __init__(self, user: User, scope: Unit | None):
        self.row = user
        self.id = user.id
        self.username = user.username
        self.role = user.role
        #: Root of the visible subtree; None means every unit.
        self.scope = scope

    def get_id(self) -> str:
        return str(self.id)

    @property
    def is_admin(self) -> bool:
        return self.role == Role.PROVINCE_ADMIN

    def can_see(self, unit: Unit) -> bool:
        """Tell whether the unit lies in this user's subtree."""
        return self.scope is None or unit.path.startswith(self.scope.path)


@login_manager.user_loader
def load_user(user_id: str) -> SignedInUser | None:
    """Load the signed-in user of this request."""
    session = get_session()
    user = session.get(User, int(user_id)) if user_id.isdigit() else None
    if user is None or not user.active:
        return None
    return SignedInUser(user, session.get(Unit, user.unit_id) if user.unit_id else None)


def subtree_filter(user: SignedInUser):
    """Return a SQL condition on Unit that keeps the user's subtree."""
    if user.scope is None:
        return Unit.id.is_not(None)
    return Unit.path.startswith(user.scope.path, autoescape=True)


def unit_in_scope_or_404(code: str) -> Unit:
    """Return the unit with this code if the user may see it; otherwise 404, never 403."""
    unit = get_session().exec(select(Unit).where(Unit.code == code)).first()
    if unit is None or not current_user.can_see(unit):
        abort(404)
    return unit


def roles_required(*roles: str):
    """Allow only signed-in users with one of these roles (others get 404)."""

    def decorator(view):
        @wraps(view)
        @login_required
        def wrapped(*args, **kwargs):
            if current_user.role not in roles:
                abort(404)
            return view(*args, **kwargs)

        return wrapped

    return decorator


@bp.route("/login", methods=["GET", "POST"])
def login():
    """Sign in with username and password, locking the account after repeated failures."""
    form = LoginForm()
    if form.validate_on_submit():
        session = get_session()
        user = session.exec(select(User).where(User.username == form.username.data)).first()
        now = utcnow()
        if user is not None and user.locked_until and user.locked_until > now:
            flash(_("Too many failed attempts. Try again in a few minutes."), "error")
        elif user is not None and user.active and verify_password(user.password_hash, form.password.data):
            user.failed_logins, user.locked_until, user.last_login_at = 0, None, now
            session.commit()
            login_user(load_user(str(user.id)))
            return redirect(safe_next(request.args.get("next")), code=303)
        else:
            if user is not None:
                user.failed_logins += 1
                if user.failed_logins >= MAX_FAILED_LOGINS:
                    user.locked_until, user.failed_logins = now + LOCKOUT, 0
                session.commit()
            flash(_("Wrong username or password."), "error")
    return render_template("auth/login.html", form=form)


@bp.route("/logout", methods=["POST"])
def logout():
    """Sign out."""
    logout_user()
    return redirect(url_for("home.index"), code=303)


def safe_next(target: str | None) -> str:
    """Return a local redirect target (never another site); by default the manager pages."""
    if target and target.startswith("/") and not target.startswith("//") and "\\" not in target:
        return target
    return url_for("manage.overview")


def init_app(app: Flask) -> None:
    """Set up CSRF protection and Flask-Login."""
    csrf.init_app(app)
    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    login_manager.login_message = None
