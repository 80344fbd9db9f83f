"""Kiosk tablets and integrator keys: one-time enrolment codes, long-lived credentials, hashes."""

import hashlib
import secrets
from datetime import UTC, datetime, timedelta

from flask import Flask
from sqlalchemy import update
from sqlalchemy.exc import SQLAlchemyError
from sqlmodel import Session, select

from survey.db import get_engine, writing
from survey.models import ApiKey, Counter, KioskDevice, Unit, utcnow

#: Enrolment codes: 8 characters without look-alikes (0/O, 1/I/L), valid for a short while.
ENROL_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
ENROL_LENGTH = 8
ENROL_VALIDITY = timedelta(minutes=15)
#: Prefix of integrator keys, so a leaked key is recognisable in logs and scanners.
API_KEY_PREFIX = "hl_"


def digest(secret: str) -> str:
    """Return the SHA-256 hex digest stored in place of a secret."""
    return hashlib.sha256(secret.encode()).hexdigest()


def normalise_code(code: str) -> str:
    """Return an enrolment code as stored: upper case, no spaces or dashes."""
    return "".join(ch for ch in code.upper() if ch.isalnum())


def issue_enrol_code(device: KioskDevice) -> str:
    """Give a device a fresh one-time enrolment code (returned once; only its hash is kept)."""
    code = "".join(secrets.choice(ENROL_ALPHABET) for _ in range(ENROL_LENGTH))
    device.enrol_code_hash = digest(code)
    device.enrol_expires_at = utcnow() + ENROL_VALIDITY
    return f"{code[:4]}-{code[4:]}"


def enrol(session: Session, code: str) -> tuple[KioskDevice, str] | None:
    """Trade a valid enrolment code for a new device credential; None when the code is no good."""
    device = session.exec(
        select(KioskDevice)
        .where(KioskDevice.enrol_code_hash == digest(normalise_code(code)), KioskDevice.active)
    ).first()
    if device is None or device.enrol_expires_at is None or aware(device.enrol_expires_at) < utcnow():
        return None
    credential = secrets.token_urlsafe(32)
    device.credential_hash = digest(credential)
    device.enrol_code_hash = device.enrol_expires_at = None
    device.enrolled_at = device.accepts_from = utcnow()
    device.drained_at = None
    return device, credential


def device_for(session: Session, credential: str | None) -> KioskDevice | None:
    """Return the active device of an active counter of an active unit holding this credential, or None."""
    state, device = kiosk_state(session, credential)
    return device if state == READY else None


#: What a tablet's credential says about it (the kiosk shows each state to staff, see docs/kiosk.md).
READY, RETIRED, CLOSED, UNKNOWN = "ready", "retired", "closed", "unknown"


def kiosk_state(session: Session, credential: str | None) -> tuple[str, KioskDevice | None]:
    """Return the state of the tablet holding a credential, with its device when the credential is known.

    `unknown`: no such credential (never enrolled, or replaced by a new enrolment code); `retired`:
    the device is retired; `closed`: its counter or unit is closed; `ready`: it may take ratings.
    """
    device = session.exec(
        select(KioskDevice).where(KioskDevice.credential_hash == digest(credential))
    ).first() if credential else None
    if device is None:
        return UNKNOWN, None
    if not device.active:
        return RETIRED, device
    counter = session.get(Counter, device.counter_id)
    if not counter.active or not session.get(Unit, counter.unit_id).active:
        return CLOSED, device
    return READY, device


def new_api_key() -> tuple[str, str, str]:
    """Return a new integrator key, its shown prefix and its stored hash."""
    key = API_KEY_PREFIX + secrets.token_urlsafe(32)
    return key, key[:10], digest(key)


def api_key_for(session: Session, key: str | None) -> ApiKey | None:
    """Return the active API key with this secret, or None."""
    if not key:
        return None
    return session.exec(select(ApiKey).where(ApiKey.key_hash == digest(key), ApiKey.active)).first()


def touch(app: Flask, table: type[ApiKey] | type[KioskDevice], row_id: int, column: str,
          moment: datetime) -> None:
    """Store a credential's last use on the primary in a short transaction of its own.

    Runs after a read's answer was sent; a failure (a busy or read-only database) only loses the note.
    """
    with app.app_context(), writing():
        try:
            with get_engine().begin() as connection:
                connection.execute(update(table).where(table.id == row_id).values({column: moment}))
        except SQLAlchemyError:
            app.logger.warning("Could not record the last use of %s %s", table.__tablename__, row_id)


def aware(moment: datetime) -> datetime:
    """Return a UTC-aware time (SQLite hands back naive ones)."""
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)
