"""The landing page: what this is, a few counter survey links, the manager sign-in."""

from flask import Blueprint, current_app, render_template
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError
from sqlmodel import select

from survey.db import get_engine, get_session, writing
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


#: A write that changes nothing but that a database refusing writes (down, read-only, a replica,
#: a full or read-only disk) refuses all the same; it is rolled back.
WRITE_PROBE = text("UPDATE unit SET id = id WHERE 1 = 0")


@bp.route("/healthz")
def health():
    """Answer load balancers: 200 when the database answers and accepts writes, else 503."""
    try:
        with writing(), get_engine().connect() as connection:
            connection.execute(WRITE_PROBE)
            connection.rollback()
    except SQLAlchemyError as exc:
        current_app.logger.warning("health check failed: %s", type(exc).__name__)
        return {"status": "unavailable", "database": "cannot write"}, 503, {"Retry-After": "30"}
    return {"status": "ok"}
