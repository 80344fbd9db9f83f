"""The landing page: how to find a survey and where to sign in (the demo adds counter links)."""

from collections.abc import Sequence
from pathlib import Path

from flask import Blueprint, Response, current_app, render_template
from sqlmodel import select

from survey.db import get_session
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


@bp.route("/healthz")
def health():
    """Answer load balancers: the app and its database respond."""
    get_session().exec(select(Unit.id).limit(1)).all()
    return {"status": "ok"}
