"""The landing page: how to find a survey and where to sign in (the demo adds counter links)."""

from collections.abc import Sequence
from pathlib import Path

from flask import Blueprint, Response, current_app, render_template
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError
from sqlmodel import select

from survey.db import get_engine, get_session, writing
from survey.models import Counter, Unit, UnitKind

bp = Blueprint("home", __name__)


@bp.route("/")
def index():
    """Show the centre's name, how to find a survey and the sign-in; a demo lists counters too."""
    session = get_session()
    centre = session.exec(
        select(Unit).where(Unit.active, Unit.kind == UnitKind.CENTRE).order_by(Unit.path).limit(1)
    ).first() or session.exec(select(Unit).order_by(Unit.path).limit(1)).first()
    counters: Sequence[tuple[Counter, Unit]] = ()
    if current_app.config["DEMO"]:
        counters = session.exec(
            select(Counter, Unit)
            .join(Unit, Counter.unit_id == Unit.id)
            .where(Counter.active)
            .order_by(Unit.id, Counter.id)
            .limit(8)
        ).all()
    return render_template("home/index.html", centre=centre, counters=counters,
                           demo=current_app.config["DEMO"])


@bp.route("/favicon.ico")
def favicon():
    """Serve the icon where browsers look for it without a <link rel="icon">."""
    icon = Path(current_app.static_folder or "", "favicon.svg").read_bytes()
    response = Response(icon, mimetype="image/svg+xml")
    response.cache_control.max_age = 7 * 24 * 3600
    response.cache_control.public = True
    return response


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
