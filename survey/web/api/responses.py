"""POST /api/v1/responses: kiosk sync and paper data entry, many per call, each once per UUID."""

import uuid

from flask import abort, jsonify
from sqlmodel import Session, select

from survey import instruments
from survey.core import stuffing
from survey.core.intake import (
    ItemError,
    answered_time,
    parse_kiosk_item,
    parse_time,
    reasons_mask,
    record_kiosk_rating,
    whole,
)
from survey.core.responses import DossierAlreadyRated, InvalidResponse, record_response
from survey.db import get_session
from survey.instruments.catalogue import of_row, row_for
from survey.models import Channel, Counter, Service, Unit
from survey.web.api.blueprint import Caller, authenticate, bp, json_body

#: Most items one call may carry.
MAX_BATCH = 500
#: Channels an integrator may submit (the kiosk's own ratings come with its credential).
KEY_CHANNELS = (Channel.PAPER.value, Channel.KIOSK.value)


@bp.route("/responses", methods=["POST"])
def submit_responses():
    """Record a batch of responses; answer with one result per item, in order."""
    caller = authenticate("responses:write")
    items = json_body().get("responses")
    if not isinstance(items, list) or not 1 <= len(items) <= MAX_BATCH:
        abort(422, f"'responses' must be a list of 1 to {MAX_BATCH} items")
    session = get_session()
    results = [record_item(session, caller, item) for item in items]
    session.commit()
    return jsonify({"results": results})


def record_item(session: Session, caller: Caller, item: object) -> dict:
    """Record one item; return its result (status created, duplicate or a refusal)."""
    key = item.get("id") if isinstance(item, dict) else None
    try:
        key = item_key(key)
        if caller.device is not None:
            response, created = record_from_kiosk(session, caller, key, item)
        else:
            response, created = record_from_key(session, caller, key, item)
    except ItemError as exc:
        return {"id": key, "status": exc.status, "response_id": None, "message": str(exc)}
    return {"id": key, "status": "created" if created else "duplicate", "response_id": response.id,
            "message": None}


def item_key(value: object) -> str:
    """Return the item's UUID in canonical form, or raise ItemError."""
    try:
        return str(uuid.UUID(str(value)))
    except ValueError:
        raise ItemError("invalid", "each item needs an 'id': a UUID made by the client") from None


def record_from_kiosk(session: Session, caller: Caller, key: str, item: dict):
    """Record a kiosk's own rating for its own counter."""
    if item.get("counter") not in (None, caller.counter.id):
        raise ItemError("forbidden", "a kiosk rates its own counter only")
    return record_kiosk_rating(session, caller.device, caller.counter, parse_kiosk_item(item, key))


def record_from_key(session: Session, caller: Caller, key: str, item: dict):
    """Record an integrator's response (paper data entry or its own kiosk) inside its subtree."""
    counter, unit = place(session, caller, item)
    code = item.get("instrument") or (counter.instrument_code if counter else None)
    if code not in instruments.available():
        raise ItemError("invalid", f"'instrument' must be one of {', '.join(instruments.available())}")
    channel = item.get("channel", Channel.PAPER.value)
    if channel not in KEY_CHANNELS:
        raise ItemError("invalid", f"'channel' must be one of {', '.join(KEY_CHANNELS)}")
    instrument_row = row_for(session, code)
    values = answer_values(of_row(instrument_row), item.get("answers"))
    service = find_service(session, item.get("service"))
    at = answered_time(parse_time(item.get("answered_at")))
    reason = None
    if channel == Channel.KIOSK.value:  # paper forms are typed in later, in batches: no signals
        reason = stuffing.suspicion(
            session, instrument_row=instrument_row, values=values, at=at, counter_id=counter and counter.id
        )
    try:
        return record_response(
            session,
            instrument_row=instrument_row,
            unit_id=unit.id,
            channel=channel,
            values=values,
            idempotency_key=key,
            counter_id=counter and counter.id,
            service_id=service and service.id,
            language=item.get("language", "vi"),
            comment=text_or_none(item.get("comment")),
            facts=respondent_facts(item.get("facts")),
            submitted_at=at,
            suspicious_reason=reason,
        )
    except DossierAlreadyRated as exc:
        raise ItemError("conflict", str(exc)) from None
    except InvalidResponse as exc:
        raise ItemError("invalid", str(exc)) from None


def place(session: Session, caller: Caller, item: dict) -> tuple[Counter | None, Unit]:
    """Return the item's counter (if any) and unit, both inside the caller's subtree."""
    counter = None
    if item.get("counter") is not None:
        counter = (session.get(Counter, item["counter"])
                   if whole(item["counter"]) and 0 < item["counter"] < 2**31 else None)
        if counter is None:
            raise ItemError("not-found", f"no counter {item['counter']!r} in your units")
        unit = session.get(Unit, counter.unit_id)
    else:
        unit = session.exec(select(Unit).where(Unit.code == str(item.get("unit")))).first()
    if unit is None or not caller.can_see(unit):
        raise ItemError("not-found", f"no unit {item.get('unit')!r} in your units; "
                                     "give 'unit' (code) or 'counter' (id)")
    return counter, unit


def answer_values(instrument: instruments.Instrument, answers: object) -> dict[str, int | None]:
    """Return the stored values of the answers (a multi item's list becomes its bit mask)."""
    if not isinstance(answers, dict) or not answers:
        raise ItemError("invalid", "'answers' must map item codes to values")
    values = {}
    for code, value in answers.items():
        try:
            item = instrument.item(code)
        except instruments.UnknownItem as exc:
            raise ItemError("invalid", str(exc)) from None
        if item.kind == "multi" and isinstance(value, list):
            value = reasons_mask({v for v in value if whole(v) and 1 <= v <= 16})
        if value is not None and not whole(value):
            raise ItemError("invalid", f"the answer to {code} must be a whole number or null")
        values[code] = value
    if not any(values.get(item.code) for item in instrument.scored_items):
        raise ItemError("invalid", "answer at least one rated item")
    return values


def find_service(session: Session, code: object) -> Service | None:
    """Return the service with a national code (None when not given), or raise ItemError."""
    if code is None:
        return None
    service = session.exec(select(Service).where(Service.code == str(code))).first()
    if service is None:
        raise ItemError("not-found", f"no procedure with code {code!r}")
    return service


def text_or_none(value: object) -> str | None:
    """Return a comment as text, trimmed to 2000 characters."""
    return str(value)[:2000] if value else None


def respondent_facts(facts: object) -> dict | None:
    """Return the respondent facts as short texts, or raise ItemError."""
    if facts is None:
        return None
    if not isinstance(facts, dict) or not all(isinstance(v, str) and len(v) <= 16 for v in facts.values()):
        raise ItemError("invalid", "'facts' must map fact names to short texts (16 characters at most)")
    return facts
