"""Sign-in (throttled per address and per account and address), sign-out that ends every session of
the account, and the unit scope of each user (docs/security.md)."""

import hashlib
import re
import uuid
from functools import wraps
from urllib.parse import urlsplit

from flask import Blueprint, Flask, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_limiter.util import get_remote_address
from flask_login import LoginManager, current_user, login_required, login_user, logout_user
from flask_wtf.csrf import CSRFProtect
from sqlmodel import select

from forms.auth import LoginForm
from survey.core import passwords
from survey.core.passwords import verify_password
from survey.db import get_session
from survey.models import Role, Unit, User, utcnow
from survey.web.limits import limiter

bp = Blueprint("auth", __name__)
login_manager = LoginManager()
csrf = CSRFProtect()

#: A redirect target that stays on this site: one slash, then printable ASCII without backslashes.
LOCAL_PATH = re.compile(r"/(?![/\\])[!-\[\]-~]*")


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
        return session_id(self.row)

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
    user_part, _dot, version = user_id.partition(".")
    user = session.get(User, int(user_part)) if user_part.isdigit() and len(user_part) < 10 else None
    if user is None or not user.active or version != str(user.session_version):
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


def address_limit() -> str:
    """Return the sign-in attempts allowed per client address (a setting)."""
    return current_app.config["RATELIMIT_LOGIN_ADDRESS"]


def pair_limit() -> str:
    """Return the failed sign-ins allowed per account and address (a setting)."""
    return current_app.config["RATELIMIT_LOGIN_ACCOUNT"]


def pair_key() -> str:
    """Return the rate-limit key of the posted account together with the client's address."""
    username = (request.form.get("username") or "").strip().lower()[:80]
    return f"login:{hashlib.sha256(username.encode()).hexdigest()[:24]}:{get_remote_address()}"


def failed(response) -> bool:
    """Tell whether a sign-in attempt failed (a success redirects)."""
    return response.status_code != 303


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit(address_limit, methods=["POST"])
@limiter.limit(pair_limit, key_func=pair_key, methods=["POST"], deduct_when=failed)
def login():
    """Sign in with username and password; failures slow down that account from that address only."""
    form = LoginForm()
    if form.validate_on_submit():
        session = get_session()
        user = session.exec(select(User).where(User.username == form.username.data)).first()
        # An unknown name costs one hash check too, so timing does not tell which names exist.
        right = check_password(user, form.password.data)
        if right and user is not None and user.active:
            user.failed_logins, user.locked_until, user.last_login_at = 0, None, utcnow()
            session.commit()
            login_user(load_user(session_id(user)))
            return redirect(safe_next(request.args.get("next")), code=303)
        if user is not None:
            user.failed_logins += 1
            session.commit()
        flash(_("Wrong username or password."), "error")
    return render_template("auth/login.html", form=form)


@bp.errorhandler(429)
def too_many_attempts(_error):
    """Answer a throttled sign-in with the form and a plain message."""
    flash(_("Too many failed attempts. Try again in a few minutes."), "error")
    response = current_app.make_response((render_template("auth/login.html", form=LoginForm()), 429))
    response.headers["Retry-After"] = "60"
    return response


def check_password(user: User | None, password: str) -> bool:
    """Check a password against the user's hash, or against a dummy hash when there is no user."""
    if user is None:
        verify_password(dummy_hash(), password)
        return False
    return verify_password(user.password_hash, password)


def dummy_hash() -> str:
    """Return a hash made with the current hasher's cost, of a password nobody can send."""
    hasher = passwords.hasher
    if DUMMY.get("hasher") is not hasher:
        DUMMY.update(hasher=hasher, hash=passwords.hash_password(uuid.uuid4().hex))
    return DUMMY["hash"]


#: The dummy hash of check_password, made once per hasher.
DUMMY: dict = {}


@bp.route("/logout", methods=["POST"])
def logout():
    """Sign out, ending every session of this account (on every device)."""
    if current_user.is_authenticated:
        end_sessions(current_user.row)
        get_session().commit()
    logout_user()
    return redirect(url_for("home.index"), code=303)


def end_sessions(user: User) -> None:
    """End every session of a user by bumping its session version (the caller commits)."""
    user.session_version = (user.session_version or 1) + 1


def session_id(user: User) -> str:
    """Return the Flask-Login id of a user's sessions: its id and session version."""
    return f"{user.id}.{user.session_version}"


def safe_next(target: str | None) -> str:
    """Return a local redirect target (never another site), else the manager pages.

    Browsers drop tabs and line breaks from URLs and read a backslash as a slash, so
    "/\t/evil.example" and "/\\evil.example" lead off-site: only a path of printable characters
    without backslashes, starting with exactly one slash, is followed.
    """
    if (target and LOCAL_PATH.fullmatch(target) and not target.startswith("//")
            and not urlsplit(target).netloc):
        return target
    return url_for("manage.overview")


def init_app(app: Flask) -> None:
    """Set up CSRF protection and Flask-Login."""
    csrf.init_app(app)
    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    login_manager.login_message = None
