"""Unsubscribe links of alert and digest mails: the GET shows a button, the POST turns the mail off."""

from flask import Blueprint, abort, redirect, render_template, url_for
from flask_wtf import FlaskForm

from survey.core import audit
from survey.db import get_session
from survey.models import User
from survey.notify.outbox import read_token

bp = Blueprint("unsubscribe", __name__, url_prefix="/unsubscribe")


def user_and_choice(token: str) -> tuple[User, str]:
    """Return the user and the mail a token turns off, or 404."""
    found = read_token(token)
    user = get_session().get(User, found[0]) if found else None
    if found is None or user is None:
        abort(404)
    return user, found[1]


@bp.route("/<token>")
def confirm(token: str):
    """Ask to confirm (a link opened by a mail scanner changes nothing)."""
    user, choice = user_and_choice(token)
    done = (user.digest == "none") if choice == "digest" else not user.alerts
    return render_template("unsubscribe/confirm.html", choice=choice, done=done, form=FlaskForm())


@bp.route("/<token>", methods=["POST"])
def apply(token: str):
    """Turn the digest or the alerts off for the token's user, audited, then show the page again."""
    user, choice = user_and_choice(token)
    if not FlaskForm().validate_on_submit():
        abort(400)
    before = audit.snapshot(user)
    if choice == "digest":
        user.digest = "none"
    else:
        user.alerts = False
    session = get_session()
    audit.record(session, user.id, "unsubscribe", user, before, audit.snapshot(user))
    session.commit()
    return redirect(url_for("unsubscribe.confirm", token=token), code=303)
