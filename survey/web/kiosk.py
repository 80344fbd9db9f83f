"""The counter kiosk at /k/: enrol a tablet once, then big faces, reasons, thanks, and back.

The script (static/kiosk.js) queues ratings on the tablet and sends them to /k/sync; the service
worker (/k/sw.js) keeps the screen, so a tablet starts and takes ratings without a network. See
docs/kiosk.md.
"""

import hashlib
import json
import uuid
from datetime import datetime
from functools import cache
from pathlib import Path

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    g,
    jsonify,
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
from survey.core.devices import READY, UNKNOWN
from survey.core.intake import (
    ItemError,
    KioskRating,
    SyncClock,
    parse_kiosk_item,
    parse_time,
    record_kiosk_rating,
    sync_clock,
    whole,
)
from survey.db import get_session
from survey.instruments.catalogue import of_row, row_for
from survey.models import Counter, KioskDevice, Unit, utcnow
from survey.web.auth import csrf
from survey.web.limits import limiter

bp = Blueprint("kiosk", __name__, url_prefix="/k")

#: The tablet's device credential lives in this cookie (HttpOnly, SameSite=Strict, five years).
COOKIE = "kiosk"
COOKIE_AGE = 5 * 365 * 24 * 3600
#: Defaults of KIOSK_IDLE_SECONDS (a half-answered screen), KIOSK_THANKS_SECONDS (the thank-you
#: screen) and KIOSK_RETRY_SECONDS (how often queued ratings are re-sent while offline).
TIMINGS = {"idle": 30, "thanks": 4, "retry": 15}
#: Most ratings one sync carries (the tablet sends the oldest first).
SYNC_BATCH = 100
#: Views a tablet reaches whatever its credential says.
OPEN_VIEWS = ("kiosk.enrol", "kiosk.sync", "kiosk.service_worker")


@bp.after_request
def no_store(response):
    """Never cache a kiosk screen: the next person must not see the previous answers."""
    response.headers["Cache-Control"] = "no-store"
    response.headers["Referrer-Policy"] = "no-referrer"
    return response


def current_device(session: Session) -> tuple[str, KioskDevice, Counter, Unit] | None:
    """Return the state of this tablet with its device, counter and unit, or None when unknown."""
    state, device = devices.kiosk_state(session, request.cookies.get(COOKIE))
    if device is None:
        return None
    counter = session.get(Counter, device.counter_id)
    unit = session.get(Unit, counter.unit_id)
    return state, device, counter, unit


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
    """Send an unknown tablet to enrolment; show a retired or closed one its state; load its counter."""
    if request.endpoint in OPEN_VIEWS:
        return None
    session = get_session()
    found = current_device(session)
    if found is None:
        return redirect(url_for("kiosk.enrol"), code=303)
    state, g.device, g.counter, g.unit = found
    g.instrument = of_row(row_for(session, instruments.QUICK))
    if state != READY:  # never thank anyone on a kiosk that stores nothing
        return screen("blocked", key="", state=state), 403
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
        heartbeat_seconds=config["KIOSK_HEARTBEAT_SECONDS"],
        version=app_version(),
        enrolled=g.device.enrolled_at.isoformat() if g.device.enrolled_at else "",
        **({"state": READY} | extra),
    )


@bp.route("/thanks")
def thanks():
    """Thank the citizen, then go back to the start by itself."""
    return screen("thanks", key="")


@bp.route("/sync", methods=["POST"])
@csrf.exempt  # JSON only, and the credential cookie is SameSite=Strict: no other site can send it
@limiter.limit(lambda: current_app.config["RATELIMIT_API"],
               key_func=lambda: "kiosk:" + devices.digest(request.cookies.get(COOKIE, ""))[:32])
def sync():
    """Take a batch of queued ratings and the tablet's report; answer its state and a result per rating.

    Body: {"sent_at": tablet time, "queued": ratings on the tablet, "refused": ratings it keeps that
    the server refused, "version": script version, "responses": [{"id", "rating", "reasons",
    "answered_at", "language"}, …]} (no responses: a heartbeat). A tablet that may not take ratings
    gets its state (401 unknown, 403 retired or closed) and keeps its queue.
    """
    body = json_object()
    session = get_session()
    state, device = devices.kiosk_state(session, request.cookies.get(COOKIE))
    if state != READY or device is None:
        return jsonify({"state": state}), 401 if state == UNKNOWN else 403
    items = body.get("responses", [])
    if not isinstance(items, list) or len(items) > SYNC_BATCH:
        return jsonify({"error": f"'responses' must be a list of at most {SYNC_BATCH} items"}), 400
    sent_at = parse_time_or_none(body.get("sent_at"))
    clock = sync_clock(sent_at)
    counter = session.get(Counter, device.counter_id)
    results = [sync_item(session, device, counter, item, clock) for item in items]
    report(device, body, clock, sent_at=sent_at, sent=len(items))
    session.commit()
    return jsonify({"state": READY, "results": results,
                    "heartbeat": current_app.config["KIOSK_HEARTBEAT_SECONDS"]})


def json_object() -> dict:
    """Return the request's JSON object, or abort with 400."""
    try:
        body = json.loads(request.get_data()) if request.is_json else None
    except (ValueError, RecursionError):
        body = None
    if not isinstance(body, dict):
        abort(400)
    return body


def sync_item(
    session: Session, device: KioskDevice, counter: Counter, item: object, clock: SyncClock
) -> dict:
    """Record one queued rating; return its result (created, duplicate, held, or invalid with why)."""
    key = item.get("id") if isinstance(item, dict) else None
    try:
        key = str(uuid.UUID(str(key)))
        rating = parse_kiosk_item(item, key)
        _row, created = record_kiosk_rating(session, device, counter, rating, clock=clock)
    except ValueError as exc:  # ItemError too
        status = getattr(exc, "status", "invalid")
        return {"id": key if isinstance(key, str) else None, "status": status, "message": str(exc)[:200]}
    return {"id": key, "status": "created" if created else "duplicate", "message": None}


def report(device: KioskDevice, body: dict, clock: SyncClock, *, sent_at: datetime | None, sent: int) -> None:
    """Keep what the tablet reported: its queue, refused ratings, version, clock; when it was heard from."""
    queued, refused = body.get("queued"), body.get("refused")
    queued = queued if whole(queued) else sent
    device.queued = max(0, min(queued, 2**31 - 1) - sent)
    device.refused = max(0, min(refused, 2**31 - 1)) if whole(refused) else 0
    version = body.get("version")
    version = "".join(ch for ch in version if ch.isprintable())[:40] if isinstance(version, str) else ""
    device.app_version = version or None
    skew = round((sent_at - clock.now).total_seconds()) if sent_at is not None else None
    device.clock_skew_seconds = None if skew is None else max(-2**31, min(skew, 2**31 - 1))
    device.last_seen_at = clock.now
    if queued <= sent:  # the tablet sent all it had: nothing older should come later
        device.drained_at = clock.now


def parse_time_or_none(value: object) -> datetime | None:
    """Return a time with its zone from ISO text, or None."""
    try:
        moment = parse_time(value)
    except ItemError:
        return None
    return moment if moment is not None and moment.tzinfo is not None else None


@bp.route("/sw.js")
def service_worker():
    """Serve the service worker at the kiosk's scope: it keeps this version's screen and files offline."""
    body = render_template(
        "kiosk/sw.js", version=app_version(), shell=url_for("kiosk.start"),
        assets=[url_for("static", filename=name) for name in SHELL_FILES],
    )
    return current_app.response_class(body, mimetype="text/javascript")


#: Static files of the kiosk screen, kept by the service worker and hashed into the version.
SHELL_FILES = ("app.css", "kiosk.css", "kiosk.js")


def app_version() -> str:
    """Return the kiosk's version: a hash of its files and templates (a change updates every tablet)."""
    loader = current_app.jinja_env.loader
    templates = [loader.get_source(current_app.jinja_env, name)[0] for name in
                 ("base.html", "kiosk/screen.html", "kiosk/sw.js")] if loader else []
    return version_of(current_app.static_folder or "", tuple(templates))


@cache
def version_of(static_folder: str, templates: tuple[str, ...]) -> str:
    """Return a short hash of the shell files and the templates' text."""
    digest = hashlib.sha256()
    for name in SHELL_FILES:
        digest.update((Path(static_folder) / name).read_bytes())
    for text in templates:
        digest.update(text.encode())
    return digest.hexdigest()[:12]
