"""Instrument versions in the database, kept in step with the shipped instrument files."""

import json
from functools import lru_cache

from flask import current_app
from sqlmodel import Session, select

from survey import instruments
from survey.models import Instrument as InstrumentRow


class InstrumentVersionConflict(RuntimeError):
    """A shipped file changed without a new version number."""


def ensure_instruments(session: Session) -> dict[str, InstrumentRow]:
    """Store each shipped instrument version once; return the newest row per code."""
    rows = {}
    for code in instruments.available():
        loaded = instruments.load(code)
        row = session.exec(
            select(InstrumentRow).where(InstrumentRow.code == code, InstrumentRow.version == loaded.version)
        ).first()
        if row is None:
            row = InstrumentRow(
                code=code, version=loaded.version, definition=loaded.definition_json, checksum=loaded.checksum
            )
            session.add(row)
            session.flush()
        elif row.checksum != loaded.checksum:
            raise InstrumentVersionConflict(
                f"survey/instruments/{code}.yaml changed but still says version {loaded.version}: "
                "give the changed questionnaire a new version number"
            )
        rows[code] = row
    return rows


def row_for(session: Session, code: str) -> InstrumentRow:
    """Return the stored version of a shipped instrument, storing it on first use.

    Stored versions never change, so each app keeps the rows it has read (detached copies).
    """
    version = instruments.load(code).version
    known = current_app.extensions.setdefault("hailong_instrument_rows", {})
    if (code, version) in known:
        return known[code, version]
    row = session.exec(
        select(InstrumentRow).where(InstrumentRow.code == code, InstrumentRow.version == version)
    ).first()
    if row is None:
        return ensure_instruments(session)[code]  # not cached until its insert is committed
    known[code, version] = InstrumentRow.model_validate(row.model_dump())
    # Known by id too: the burst check asks for the versions of recent ratings by id (stored).
    by_id()[row.id] = of_row(row)
    return row


@lru_cache(maxsize=64)
def definition(instrument_id: int, definition_json: str) -> instruments.Instrument:
    """Return the parsed instrument of a stored version (cached by id and content)."""
    return instruments.parse(json.loads(definition_json), source=f"instrument #{instrument_id}", strict=False)


def of_row(row: InstrumentRow) -> instruments.Instrument:
    """Return the parsed instrument of a stored row."""
    return definition(row.id, row.definition)


def stored(session: Session, instrument_id: int) -> instruments.Instrument:
    """Return the parsed instrument of a stored version by its id, read once per app (rows never change)."""
    known = by_id()
    if instrument_id not in known:
        known[instrument_id] = of_row(session.get_one(InstrumentRow, instrument_id))
    return known[instrument_id]


def by_id() -> dict:
    """Return this app's parsed instrument versions, {row id: Instrument} (filled by stored and row_for)."""
    return current_app.extensions.setdefault("hailong_instruments_by_id", {})
