"""The citizen's survey: /c/<counter token> from the QR poster, /r/<receipt token> from the slip."""

from flask import Blueprint, current_app, redirect, render_template, request, url_for
from flask_babel import gettext as _
from sqlalchemy import bindparam
from sqlalchemy import select as select_columns
from sqlmodel import col, select

from forms.survey import Submitted
from survey import instruments
from survey.core.receipts import (
    ReceiptExpired,
    ReceiptInvalid,
    read_receipt,
)
from survey.core.responses import DossierAlreadyRated, by_dossier, by_key
from survey.core.webhooks import watched
from survey.db import get_session
from survey.models import Channel, Counter, Dossier, Service, Unit, UnitService
from survey.models.org import SHORT_CODE_LENGTH
from survey.scores.tally.store import queue_length
from survey.web.auth import csrf
from survey.web.limits import counter_key, limiter, refused_key
from survey.web.serving import queue_counted
from survey.web.submission import Ticket, build_form, make_ticket, quick_answers, read_ticket, save

bp = Blueprint("respond", __name__)
#: The survey forms carry their own CSRF token with a long time limit (see forms.survey).
csrf.exempt(bp)


#: One round trip for a counter, its unit and its procedures, and for a submission's other reads: the
#: length of the tally queue (see serving.queue_counted) and whether a webhook watches the unit. Columns,
#: not ORM objects: it runs on every submission (built once).
COUNTER = (
    select_columns(
        col(Counter.id), col(Counter.name), col(Counter.active), col(Counter.instrument_code),
        col(Unit.id).label("unit_id"), col(Unit.name).label("unit_name"),
        col(Unit.active).label("unit_active"),
        col(Service.id).label("service_id"), col(Service.name).label("service_name"),
        queue_length().scalar_subquery().label("waiting"), watched(Unit.path).label("watched"),
    )
    .join(Unit, Counter.unit_id == Unit.id)
    .outerjoin(UnitService, UnitService.unit_id == Unit.id)
    .outerjoin(Service, Service.id == UnitService.service_id)
    .where(Counter.token == bindparam("token"))
    .order_by(Service.name)
)


def client_limit() -> str:
    """Return the per-client limit of survey submissions (a setting)."""
    return current_app.config["RATELIMIT_SURVEY_CLIENT"]


def invalid_limit() -> str:
    """Return the per-client limit of refused survey POSTs (a setting)."""
    return current_app.config["RATELIMIT_SURVEY_INVALID"]


def counter_limit() -> str:
    """Return the per-counter limit of accepted survey submissions (a setting)."""
    return current_app.config["RATELIMIT_SURVEY_COUNTER"]


def accepted(response) -> bool:
    """Tell whether a survey POST was stored (or was the retry of a stored one): it redirects."""
    return response.status_code == 303


def refused(response) -> bool:
    """Tell whether a survey POST was refused (invalid, expired or unknown)."""
    return not accepted(response)


#: Every POST counts against its client's address; refused ones also against a smaller budget per
#: address; only accepted ones against the counter, so that no client can block a counter with
#: junk (docs/security.md).
@bp.route("/c/<token>", methods=["GET", "POST"])
@limiter.limit(client_limit, methods=["POST"])
@limiter.limit(invalid_limit, key_func=refused_key, methods=["POST"], deduct_when=refused)
@limiter.limit(counter_limit, key_func=counter_key, methods=["POST"], deduct_when=accepted)
def counter_survey(token: str):
    """Show a counter's survey; store an answered form once, then 303 to the thank-you page."""
    return counter_page(token, accept=True)


@bp.get("/c/")
def find_counter():
    """Open the survey of the short code typed on the home page (?code=AB12CD)."""
    code = "".join(request.args.get("code", "").split())
    if not code:
        return redirect(url_for("home.index"), 303)
    return redirect(url_for(".counter_survey", token=code.upper()), 303)


def counter_page(token: str, *, accept: bool, status: int | None = None):
    """Render (and when accept is true, store) the survey of the counter with this token."""
    session = get_session()
    if len(token) == SHORT_CODE_LENGTH:  # the short code printed under the QR code, typed by hand
        counter = session.exec(select(Counter).where(Counter.short_code == token.upper())).first()
        if counter is None:
            return render_template("respond/unknown.html"), 404
        return redirect(url_for(".counter_survey", token=counter.token), 303)
    rows = session.connection().execute(COUNTER, {"token": token}).all()  # Core: no ORM execution path
    if not rows:
        return render_template("respond/unknown.html"), 404
    place = rows[0]
    if not (place.active and place.unit_active):
        return render_template("respond/closed.html", unit={"name": place.unit_name}, counter=place)
    code = place.instrument_code
    services = [(row.service_id, row.service_name) for row in rows if row.service_id is not None]
    thanks = redirect(url_for(".counter_thanks", token=token), 303)

    def store(answers: Submitted, ticket: Ticket):
        _, created = save(session, code, answers, ticket, unit_id=place.unit_id, channel=Channel.COUNTER_QR,
                          counter_id=place.id, service_id=answers.service, watched=place.watched)
        queue_counted(place.waiting + created)  # counted in this transaction's first read, plus this one
        session.commit()  # a known key writes nothing and lands here too
        return thanks

    # Most posts are plainly valid: stored without binding the form; the form decides the others.
    answers = quick_answers(code, services) if accept and request.method == "POST" else None
    if answers and (ticket := read_ticket(answers.ticket)):
        return store(answers, ticket)
    form = build_form(code, services)
    ticket = read_ticket(form.ticket.data) if form.is_submitted() else None
    if accept and ticket and form.validate_on_submit():
        return store(form.submitted(), ticket)
    if ticket and by_key(session, ticket.key):
        return thanks
    return survey_page(form, ticket, place=f"{place.unit_name} · {place.name}", status=status)


@bp.get("/c/<token>/thanks")
def counter_thanks(token: str):
    """Thank the citizen (also where retries of a stored response land)."""
    counter = get_session().exec(select(Counter).where(Counter.token == token)).first()
    if counter is None:
        return render_template("respond/unknown.html"), 404
    return render_template("respond/thanks.html")


@bp.route("/r/<token>", methods=["GET", "POST"])
@limiter.limit(client_limit, methods=["POST"])
@limiter.limit(invalid_limit, key_func=refused_key, methods=["POST"], deduct_when=refused)
def receipt_survey(token: str):
    """Show a dossier's rating form once; store it once, then 303 to the thank-you page."""
    return receipt_page(token, accept=True)


def receipt_page(token: str, *, accept: bool, status: int | None = None):
    """Render (and when accept is true, store) the rating of the dossier on a receipt."""
    session = get_session()
    try:
        claims = read_receipt(token)
    except ReceiptExpired as expired:
        return render_template("respond/receipt_expired.html", expired=expired), 410
    except ReceiptInvalid:
        return render_template("respond/unknown.html", receipt=True), 404
    dossier = session.get(Dossier, claims.dossier_id)
    unit = session.get(Unit, claims.unit_id)
    if dossier is None or unit is None:
        return render_template("respond/unknown.html", receipt=True), 404
    if not unit.active:
        return render_template("respond/closed.html", unit=unit, counter=None)
    form = build_form(instruments.DOSSIER)
    ticket = read_ticket(form.ticket.data) if form.is_submitted() else None
    thanks = redirect(url_for(".receipt_thanks", token=token), 303)
    rated = by_dossier(session, dossier.dossier_hash)
    if rated:  # the retry of the stored rating gets its thanks; anything else is told "rated"
        return (thanks if ticket and ticket.key == rated.idempotency_key
                else render_template("respond/rated.html"))
    if accept and ticket and form.validate_on_submit():
        try:
            where = {"service_id": claims.service_id, "dossier_hash": dossier.dossier_hash}
            save(session, instruments.DOSSIER, form.submitted(), ticket, unit_id=unit.id,
                 channel=Channel.RECEIPT, **where)
        except DossierAlreadyRated:
            return render_template("respond/rated.html")
        session.commit()
        return thanks
    return survey_page(form, ticket, place=unit.name, status=status)


@bp.get("/r/<token>/thanks")
def receipt_thanks(token: str):
    """Thank the citizen for rating the dossier."""
    try:
        read_receipt(token)
    except ReceiptInvalid:
        return render_template("respond/unknown.html", receipt=True), 404
    except ReceiptExpired:
        pass
    return render_template("respond/thanks.html")


@bp.errorhandler(429)
def too_many(_error):
    """Keep the answers on a rate limit: show the form again, asking to send it in a minute."""
    page = counter_page if request.endpoint == "respond.counter_survey" else receipt_page
    response = current_app.make_response(page(**request.view_args, accept=False, status=429))
    response.headers["Retry-After"] = "60"
    return response


def survey_page(form, ticket, *, place: str, status: int | None):
    """Render the survey; a re-shown form keeps its answers and its idempotency key."""
    notice = None
    if status == 429:
        notice = _(
            "Many answers are arriving right now. Your answers are kept: please press Send again in a minute."
        )
    elif form.is_submitted() and (ticket is None or "csrf_token" in form.errors):
        # The page was open very long, or its cookie was lost: the same answers, a valid ticket.
        notice = _("This page was open for a long time. Your answers are kept: please press Send again.")
        if ticket is None:
            form.ticket.data = make_ticket()
    status = status or (422 if form.is_submitted() else 200)
    return render_template("respond/survey.html", form=form, place=place, notice=notice), status
