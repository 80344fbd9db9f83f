"""The one place that writes a response and its answer row, exactly once per idempotency key."""

from datetime import datetime
from functools import cache

from sqlalchemy import bindparam, insert
from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel import Session, select

from survey.core import webhooks
from survey.instruments import Instrument as Questionnaire
from survey.instruments.catalogue import of_row
from survey.models import ANSWER_SLOTS, Answer, Channel, Instrument, Response, Unit, utcnow

#: Respondent facts a response may carry (columns of Response).
FACT_COLUMNS = ("gender", "age_band", "occupation", "applicant")


class InvalidResponse(ValueError):
    """The response cannot be stored as given: an unknown item, value, fact, channel or language."""


class DossierAlreadyRated(Exception):
    """The dossier has a response already (under another idempotency key)."""

    def __init__(self, existing: Response):
        super().__init__(f"dossier already rated by response #{existing.id}")
        self.existing = existing


def record_response(
    session: Session,
    *,
    instrument_row: Instrument,
    unit_id: int,
    channel: str,
    values: dict[str, int | None],
    idempotency_key: str,
    counter_id: int | None = None,
    service_id: int | None = None,
    kiosk_id: int | None = None,
    dossier_hash: str | None = None,
    language: str = "vi",
    comment: str | None = None,
    facts: dict | None = None,
    fill_seconds: int | None = None,
    submitted_at: datetime | None = None,
    suspicious_reason: str | None = None,
    client_hash: str | None = None,
    watched: bool = True,
) -> tuple[Response, bool]:
    """Add a response and its answers; return (row, created), created False for a known key.

    Writes at once but never commits: the caller commits once. A key that exists already (or is
    committed meanwhile by a concurrent request) returns the stored row and writes nothing; a new
    row is returned as a transient Response carrying its id. Raises InvalidResponse for values the
    instrument does not allow and DossierAlreadyRated for a second response to one dossier.
    `watched` False: the caller has read in this transaction that no active webhook watches the
    unit (webhooks.watched), so no events are queued and none are looked for.
    """
    rated = dossier_hash and by_dossier(session, dossier_hash)
    if rated and rated.idempotency_key != idempotency_key:
        raise DossierAlreadyRated(rated)
    instrument = of_row(instrument_row)
    check_values(instrument, values)
    facts = facts or {}
    unknown = set(facts) - set(FACT_COLUMNS)
    if unknown or not isinstance(channel, str) or channel not in set(Channel) or language not in ("vi", "en"):
        raise InvalidResponse(f"bad response: facts {sorted(unknown)}, channel {channel!r}, "
                              f"language {language!r}")
    answered, satisfied = instrument.masks(values)
    response = Response(
        instrument_id=instrument_row.id,
        unit_id=unit_id,
        counter_id=counter_id,
        service_id=service_id,
        kiosk_id=kiosk_id,
        channel=channel,
        idempotency_key=idempotency_key,
        dossier_hash=dossier_hash,
        language=language,
        answered_mask=answered,
        satisfied_mask=satisfied,
        comment=comment or None,
        fill_seconds=fill_seconds,
        suspicious=suspicious_reason is not None,
        suspicious_reason=suspicious_reason and suspicious_reason[:200],
        client_hash=client_hash,
        submitted_at=submitted_at or utcnow(),
        **{name: facts.get(name) or None for name in FACT_COLUMNS},
    )
    # The slot columns live on the table only (see models.Answer): a Core insert too.
    slots = {f"v{slot:02d}": None for slot in range(1, ANSWER_SLOTS + 1)}
    slots |= {f"v{item.slot:02d}": values.get(item.code) for item in instrument.items}
    # A statement that cannot fail on a repeated key: a retry, or a concurrent request with the same
    # key (which waits for the first to commit), inserts nothing and gets no id back.
    connection = session.connection()
    columns = response.model_dump(exclude={"id"})
    if connection.dialect.name == "postgresql":  # the response and its answers in one round trip
        response.id = connection.execute(insert_both(), columns | slots).scalar()
    else:
        response.id = connection.execute(insert_or_skip(connection.dialect.name), columns).scalar()
        if response.id is not None:
            connection.execute(INSERT_ANSWER, slots | {"response_id": response.id})
    if response.id is None:
        existing = by_key(session, idempotency_key)
        if existing is not None:
            return existing, False
        raise DossierAlreadyRated(by_dossier(session, dossier_hash))
    if watched:
        announce(session, response, instrument)
    return response, True


def announce(session: Session, response: Response, instrument: Questionnaire) -> None:
    """Queue the webhook events of a new response: stored, and for a dossier rating, rated."""
    unit = session.get(Unit, response.unit_id)
    data = {"response_id": response.id, "instrument": instrument.code, "version": instrument.version,
            "channel": response.channel, "counter_id": response.counter_id, "service_id": response.service_id,
            "submitted_at": response.submitted_at.isoformat()}
    webhooks.enqueue(session, "response.stored", unit, data)
    if response.dossier_hash is not None:
        satisfied = bool(response.answered_mask) and response.satisfied_mask == response.answered_mask
        webhooks.enqueue(session, "dossier.rated", unit, data | {"dossier_hash": response.dossier_hash,
                                                                 "satisfied": satisfied})


#: Statements built once (their compiled form is cached); rows come as parameters.
INSERT_ANSWER = insert(Answer.__table__)


@cache
def insert_or_skip(dialect: str):
    """Return the INSERT of a response that skips rows breaking a unique constraint, with its id."""
    module = postgresql if dialect == "postgresql" else sqlite
    table = Response.__table__
    return module.insert(table).on_conflict_do_nothing().returning(table.c.id)


@cache
def insert_both():
    """Return PostgreSQL's one statement inserting a response (skipped on a unique conflict, as in
    insert_or_skip) and then its answer row; it returns the new response's id, or no row when skipped.
    """
    response, answer = Response.__table__, Answer.__table__
    added = insert_or_skip("postgresql").values({column.name: bindparam(column.name, type_=column.type)
                                                 for column in response.columns if column.name != "id"})
    added = added.cte("added")
    slots = [column for column in answer.columns if column.name != "response_id"]
    rows = select(added.c.id, *(bindparam(column.name, type_=column.type) for column in slots))
    return (insert(answer).from_select(["response_id", *(column.name for column in slots)], rows)
            .returning(answer.c.response_id))


def check_values(instrument: Questionnaire, values: dict[str, int | None]) -> None:
    """Raise InvalidResponse unless every value belongs to an item and is one of its answers."""
    allowed = {item.code: allowed_values(instrument, item) for item in instrument.items}
    for code, value in values.items():
        if code not in allowed:
            raise InvalidResponse(f"item {code!r} is not in instrument {instrument.code!r}")
        if value is not None and value not in allowed[code]:
            raise InvalidResponse(f"{value!r} is not an answer to item {code!r} of {instrument.code!r}")


def allowed_values(instrument: Questionnaire, item) -> range | set[int]:
    """Return the values an item may store (a multi item stores a bit mask of its options)."""
    if item.kind == "multi":
        return range(0, sum(1 << (option.value - 1) for option in item.options) + 1)
    if item.kind == "points":
        return {option.value for option in item.options}
    allowed = {level.value for level in instrument.levels}
    if instrument.no_opinion is not None:
        allowed.add(instrument.no_opinion.value)
    return allowed


def by_key(session: Session, idempotency_key: str) -> Response | None:
    """Return the response stored under an idempotency key, if any."""
    return session.exec(select(Response).where(Response.idempotency_key == idempotency_key)).first()


def by_dossier(session: Session, dossier_hash: str) -> Response | None:
    """Return the response to a dossier (on any instrument version), if any."""
    return session.exec(select(Response).where(Response.dossier_hash == dossier_hash)).first()
