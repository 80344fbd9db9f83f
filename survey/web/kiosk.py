"""The counter kiosk at /k/: enrol a tablet once, then big faces, reasons, thanks, and back."""

import uuid

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    g,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from sqlmodel import Session

from forms.admin import EnrolForm
from survey import instruments
from survey.core import audit, devices
from survey.core.intake import ItemError, KioskRating, record_kiosk_rating
from survey.db import get_session
from survey.instruments.catalogue import of_row, row_for
from survey.models import Counter, KioskDevice, Unit, utcnow
from survey.web.limits import limiter

bp = Blueprint("kiosk", __name__, url_prefix="/k")

#: The tablet's device credential lives in this cookie (HttpOnly, SameSite=Strict, five years).
COOKIE = "kiosk"
COOKIE_AGE = 5 * 365 * 24 * 3600
#: Defaults of KIOSK_IDLE_SECONDS (a half-answered screen), KIOSK_THANKS_SECONDS (the thank-you
#: screen) and KIOSK_RETRY_SECONDS (how often queued ratings are re-sent while offline).
TIMINGS = {"idle": 30, "thanks": 4, "retry": 15}


@bp.after_request
def no_store(response):
    """Never cache a kiosk screen: the next person must not see the previous answers."""
    response.headers["Cache-Control"] = "no-store"
    response.headers["Referrer-Policy"] = "no-referrer"
    return response


def current_device(session: Session) -> tuple[KioskDevice, Counter, Unit] | None:
    """Return the enrolled device of this tablet with its counter and unit, or None."""
    device = devices.device_for(session, request.cookies.get(COOKIE))
    if device is None:
        return None
    counter = session.get(Counter, device.counter_id)
    unit = session.get(Unit, counter.unit_id)
    return device, counter, unit


@bp.route("/enrol", methods=["GET", "POST"])
@limiter.limit(lambda: current_app.config["RATELIMIT_KIOSK_ENROL"], methods=["POST"])
def enrol():
    """Trade a one-time enrolment code for this tablet's long-lived credential."""
    form = EnrolForm()
    if form.validate_on_submit():
        session = get_session()
        enrolled = devices.enrol(session, form.code.data)
        if enrolled is not None:
            device, credential = enrolled
            audit.record(session, None, "enrol", device, None, audit.snapshot(device))
            session.commit()
            response = redirect(url_for("kiosk.start"), code=303)
            response.set_cookie(
                COOKIE, credential, max_age=COOKIE_AGE, httponly=True, samesite="Strict",
                secure=current_app.config["SESSION_COOKIE_SECURE"], path="/",
            )
            return response
        flash(_("This code is wrong or expired. Ask the administrator for a new one."), "error")
    return render_template("kiosk/enrol.html", form=form)


@bp.before_request
def require_enrolled():
    """Send a tablet without a valid credential to the enrolment page; load its counter."""
    if request.endpoint == "kiosk.enrol":
        return None
    session = get_session()
    found = current_device(session)
    if found is None:
        return redirect(url_for("kiosk.enrol"), code=303)
    g.device, g.counter, g.unit = found
    if not (g.counter.active and g.unit.active):  # a deactivated counter or unit takes no ratings
        return render_template("respond/closed.html", unit=g.unit, counter=g.counter), 403
    g.instrument = of_row(row_for(session, instruments.QUICK))
    return None


@bp.route("/", methods=["GET", "POST"])
def start():
    """Show the rating screen; take a rating (plain form POST when JavaScript is off)."""
    if request.method == "POST":
        rating, reasons, key = read_rating(g.instrument)
        if rating == lowest_level(g.instrument) and request.form.get("step") != "reasons":
            return screen("reasons", key=key, rating=rating)
        session = get_session()
        try:
            record_kiosk_rating(session, g.device, g.counter,
                                KioskRating(key=key, rating=rating, reasons=reasons))
        except ItemError:
            abort(400)
        g.device.last_seen_at = utcnow()
        session.commit()
        return redirect(url_for("kiosk.thanks"), code=303)
    return screen("start", key=str(uuid.uuid4()))


def read_rating(instrument) -> tuple[int, tuple[int, ...], str]:
    """Return the posted rating, reasons and key, or abort with 400."""
    levels = {level.value for level in instrument.levels}
    options = {option.value for option in instrument.item("REASONS").options}
    rating = request.form.get("rating", type=int)
    reasons = tuple(sorted({int(v) for v in request.form.getlist("reasons")
                            if v.isdigit() and int(v) in options}))
    try:
        key = str(uuid.UUID(request.form.get("key", "")))
    except ValueError:
        abort(400)
    if rating is None or rating not in levels:
        abort(400)
    return rating, reasons, key


def lowest_level(instrument) -> int:
    """Return the "not satisfied" level, the one that asks for reasons."""
    return min(level.value for level in instrument.levels)


def screen(name: str, **extra):
    """Render one kiosk screen (the JavaScript switches screens without reloading)."""
    config = current_app.config
    timings = {f"{timer}_seconds": config.get(f"KIOSK_{timer.upper()}_SECONDS", seconds)
               for timer, seconds in TIMINGS.items()}
    return render_template(
        "kiosk/screen.html",
        screen=name,
        instrument=g.instrument,
        counter=g.counter,
        unit=g.unit,
        lowest=lowest_level(g.instrument),
        **timings,
        **extra,
    )


@bp.route("/thanks")
def thanks():
    """Thank the citizen, then go back to the start by itself."""
    return screen("thanks", key="")
