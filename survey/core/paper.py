"""Paper questionnaires: the identity printed on each form, and typing forms in, once or twice to agree.

Each printed form carries "HL1-<counter id>-<instrument version id>-<serial>" in a QR code and in
print. `enter_form` writes the typed values: with single entry the response is written at once;
with double entry the first typing waits (`paper_entry`) until another person types the same
values, and only then is the response written. Responses are on the `paper` channel under the
idempotency key "paper-<counter>-<serial>"; a serial is entered once per counter. Writes at once,
never commits.
"""

import json
import re
from dataclasses import dataclass
from datetime import datetime

from sqlmodel import Session, select

from survey.core.responses import InvalidResponse, check_values, record_response
from survey.instruments.catalogue import of_row
from survey.models import Channel, Counter, Instrument, PaperEntry, Response, utcnow

IDENTITY = re.compile(r"^\s*HL1-(\d{1,9})-(\d{1,9})-(\d{1,9})\s*$")
#: Largest serial a form may carry.
MAX_SERIAL = 999_999_999


class PaperError(ValueError):
    """A typed form cannot be taken; the message says why."""


class PaperMismatch(PaperError):
    """The second typing differs from the first on these items."""

    def __init__(self, items: list[str]):
        super().__init__("the two typings differ on " + ", ".join(items))
        self.items = items


@dataclass(frozen=True)
class Typed:
    """One paper form as typed: its serial, the values by item code, the comment, when it was answered."""

    serial: int
    values: dict[str, int | None]
    comment: str | None = None
    answered_at: datetime | None = None

    def payload(self) -> dict:
        """Return what is compared between two typings (and kept from the first), as JSON-ready data."""
        return {"values": self.values, "comment": self.comment or None,
                "answered_at": self.answered_at.isoformat() if self.answered_at else None}


@dataclass(frozen=True)
class Entered:
    """What became of a typed form: "recorded" (a response) or "waiting" (for the second typing)."""

    status: str
    entry: PaperEntry
    response: Response | None = None


def form_identity(counter_id: int, instrument_id: int, serial: int) -> str:
    """Return the machine-readable identity printed on a form."""
    return f"HL1-{counter_id}-{instrument_id}-{serial}"


def read_form_number(text: str, *, counter: Counter, current: Instrument,
                     session: Session) -> tuple[int, Instrument]:
    """Return (serial, instrument version) from a typed serial or a scanned identity of this counter."""
    match = IDENTITY.match(text or "")
    if match is None:
        if not (text or "").strip().isdigit() or not 0 < int(text) <= MAX_SERIAL:
            raise PaperError(f"the form number {text!r} is neither a serial nor a form identity")
        return int(text), current
    counter_id, instrument_id, serial = (int(part) for part in match.groups())
    if counter_id != counter.id:
        raise PaperError(f"form {text.strip()} was printed for another counter (#{counter_id})")
    version = session.get(Instrument, instrument_id)
    if version is None or version.code != current.code or not 0 < serial <= MAX_SERIAL:
        raise PaperError(f"form {text.strip()} names no version of this counter's questionnaire")
    return serial, version


def enter_form(session: Session, *, user_id: int, counter: Counter, instrument_row: Instrument, typed: Typed,
               double_entry: bool) -> Entered:
    """Take one typed form: record it, keep it for a second typing, or complete a waiting first typing.

    Raises PaperError (serial entered already, same person twice, another version) and
    PaperMismatch (the typings differ); InvalidResponse for values the questionnaire does not allow.
    """
    check_values(of_row(instrument_row), typed.values)
    if not any(value is not None for value in typed.values.values()):
        raise InvalidResponse("the form has no answer")
    entry = session.exec(select(PaperEntry).where(PaperEntry.counter_id == counter.id,
                                                  PaperEntry.serial == typed.serial)).first()
    if entry is None:
        entry = PaperEntry(counter_id=counter.id, instrument_id=instrument_row.id, serial=typed.serial,
                           first_values=json.dumps(typed.payload(), sort_keys=True), first_user_id=user_id)
        session.add(entry)
        session.flush()
        if double_entry:
            return Entered("waiting", entry)
        return Entered("recorded", entry, record(session, entry, counter, instrument_row, typed))
    if entry.response_id is not None:
        raise PaperError(f"form {typed.serial} of this counter was entered already")
    if entry.instrument_id != instrument_row.id:
        raise PaperError(f"form {typed.serial} was first typed on another questionnaire version")
    if entry.first_user_id == user_id:
        raise PaperError(f"form {typed.serial} needs its second typing by another person")
    first, second = json.loads(entry.first_values), json.loads(json.dumps(typed.payload()))
    differing = [code for code in sorted(set(first["values"]) | set(second["values"]))
                 if first["values"].get(code) != second["values"].get(code)]
    differing += [name for name in ("comment", "answered_at") if first[name] != second[name]]
    if differing:
        raise PaperMismatch(differing)
    entry.second_user_id, entry.second_at = user_id, utcnow()
    return Entered("recorded", entry, record(session, entry, counter, instrument_row, typed))


def record(session: Session, entry: PaperEntry, counter: Counter, instrument_row: Instrument,
           typed: Typed) -> Response:
    """Write the response of a complete entry and link it."""
    response, _ = record_response(
        session, instrument_row=instrument_row, unit_id=counter.unit_id, channel=Channel.PAPER.value,
        values=typed.values, idempotency_key=f"paper-{counter.id}-{typed.serial}", counter_id=counter.id,
        comment=typed.comment, submitted_at=typed.answered_at,
    )
    entry.response_id = response.id
    # The comment now lives on the response alone, where the retention purge blanks it in time.
    entry.first_values = json.dumps(json.loads(entry.first_values) | {"comment": None}, sort_keys=True)
    session.add(entry)
    session.flush()
    return response
