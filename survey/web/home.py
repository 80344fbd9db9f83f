"""The landing page: what this is, a few counter survey links, the manager sign-in."""

from flask import Blueprint, current_app, render_template
from sqlmodel import select

from survey.db import get_session
from survey.models import Counter, Unit

bp = Blueprint("home", __name__)


@bp.route("/")
def index():
    """Show the landing page with a few counter survey links."""
    session = get_session()
    rows = session.exec(
        select(Counter, Unit)
        .join(Unit, Counter.unit_id == Unit.id)
        .where(Counter.active)
        .order_by(Unit.id, Counter.id)
        .limit(8)
    ).all()
    return render_template("home/index.html", counters=rows, base_url=current_app.config["PUBLIC_BASE_URL"])


@bp.route("/healthz")
def health():
    """Answer load balancers: the app and its database respond."""
    get_session().exec(select(Unit.id).limit(1)).all()
    return {"status": "ok"}
