"""From a survey form to a stored response: signed tickets, abuse flags, one write."""

import time
import uuid
from dataclasses import dataclass
from functools import lru_cache

from flask import current_app
from flask_babel import get_locale
from itsdangerous import BadSignature, URLSafeSerializer
from sqlmodel import Session

from forms.survey import Submitted, SurveyForm, survey_form_class
from survey import instruments
from survey.core import stuffing
from survey.core.responses import record_response
from survey.instruments import Instrument
from survey.instruments.catalogue import of_row, row_for
from survey.models import Response, utcnow
from survey.web.limits import client_hash

#: Salt of the form tickets: a ticket is never mistaken for any other signed value.
SALT = "hailong-survey-ticket-v1"


@dataclass(frozen=True)
class Ticket:
    """What the survey page was given when it was rendered."""

    #: The idempotency key of the response this page will create (a UUID).
    key: str
    #: Unix time the page was rendered.
    rendered_at: float


def make_ticket(key: str | None = None, rendered_at: float | None = None) -> str:
    """Sign a new idempotency key with the render time, for the form's hidden field."""
    payload = [key or str(uuid.uuid4()), int(time.time() if rendered_at is None else rendered_at)]
    return URLSafeSerializer(current_app.secret_key, salt=SALT).dumps(payload)


def read_ticket(value: str | None) -> Ticket | None:
    """Return the ticket of a submitted form, or None when missing or not signed here."""
    try:
        key, rendered_at = URLSafeSerializer(current_app.secret_key, salt=SALT).loads(value or "")
    except (BadSignature, ValueError, TypeError):
        return None
    return Ticket(str(key)[:64], float(rendered_at))


def build_form(code: str, services: list[tuple[int, str]] | None = None) -> SurveyForm:
    """Return the survey form of an instrument in the request's language (bound to its data)."""
    form = survey_class(code, services)()
    if not form.is_submitted():
        form.ticket.data = make_ticket()
    return form


def quick_answers(code: str, services: list[tuple[int, str]] | None = None) -> Submitted | None:
    """Return what a plainly valid post of this survey says, without binding the form (else None)."""
    return survey_class(code, services).quick()


def survey_class(code: str, services: list[tuple[int, str]] | None) -> type[SurveyForm]:
    """Return the form class of an instrument and its procedures in the request's language."""
    return form_class(code, str(get_locale()), None if services is None else tuple(services))


@lru_cache(maxsize=1024)
def form_class(code: str, language: str, services: tuple[tuple[int, str], ...] | None) -> type[SurveyForm]:
    """Return the form class of an instrument, language and list of procedures (built once)."""
    return survey_form_class(
        instruments.load(code), language=language, services=None if services is None else list(services)
    )


def suspicion(instrument: Instrument, answers: Submitted, ticket: Ticket) -> tuple[str | None, int]:
    """Return (why the response looks automated or None, seconds spent answering)."""
    seconds = max(0, int(time.time() - ticket.rendered_at))
    minimum = current_app.config["SURVEY_MIN_SECONDS_PER_ITEM"] * len(instrument.items)
    reasons = []
    if answers.honeypot:
        reasons.append("honeypot field filled")
    if seconds < minimum:
        reasons.append(f"answered in {seconds} s, under the {minimum:g} s minimum")
    return "; ".join(reasons) or None, seconds


def save(session: Session, code: str, answers: Submitted, ticket: Ticket, **where) -> tuple[Response, bool]:
    """Store a validated survey once under its ticket's key (flush only; the view commits)."""
    instrument_row = row_for(session, code)
    reason, seconds = suspicion(of_row(instrument_row), answers, ticket)
    client, now = client_hash(), utcnow()
    burst = stuffing.burst(session, instrument_row=instrument_row, values=answers.values, at=now,
                           counter_id=where.get("counter_id"), client_hash=client)
    reason = "; ".join(part for part in (reason, burst) if part) or None
    return record_response(
        session,
        instrument_row=instrument_row,
        values=answers.values,
        idempotency_key=ticket.key,
        language=str(get_locale()),
        comment=answers.comment,
        facts=answers.facts,
        fill_seconds=seconds,
        suspicious_reason=reason,
        client_hash=client,
        submitted_at=now,
        **where,
    )
