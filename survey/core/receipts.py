"""Receipt tokens: a signed, expiring link printed as a QR code on one dossier's receipt slip."""

import hashlib
import hmac
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from flask import current_app
from itsdangerous import BadSignature, URLSafeSerializer
from sqlmodel import Session, select

from survey.models import Dossier, Service, Unit, utcnow

#: Salt of the receipt signatures: a token signed for anything else never reads as a receipt.
SALT = "hailong-receipt-v1"


class ReceiptError(Exception):
    """A receipt token cannot be used."""


class ReceiptInvalid(ReceiptError):
    """The token was not issued by this server (mistyped, truncated or tampered with)."""


class ReceiptExpired(ReceiptError):
    """The token was genuine but its validity ended."""

    def __init__(self, expires_at: datetime):
        super().__init__(f"receipt expired at {expires_at.isoformat()}")
        self.expires_at = expires_at


class UnitClosed(ValueError):
    """The unit is deactivated: it issues no receipts."""


@dataclass(frozen=True)
class ReceiptClaims:
    """What a genuine receipt token says."""

    dossier_id: int
    unit_id: int
    service_id: int | None
    expires_at: datetime


def dossier_hash(code: str, unit_id: int) -> str:
    """Return the keyed hash (HMAC-SHA-256, hex) that stands for a dossier code of one unit.

    Codes are scoped per unit: the same code at two units is two dossiers, so no unit can claim
    (or learn anything about) another unit's dossier by its code.
    """
    key = current_app.config.get("DOSSIER_HASH_KEY") or current_app.secret_key
    return hmac.new(str(key).encode(), f"{unit_id}:{code.strip()}".encode(), hashlib.sha256).hexdigest()


def serializer() -> URLSafeSerializer:
    """Return the signer of receipt tokens (the app secret and the receipt salt)."""
    return URLSafeSerializer(current_app.secret_key, salt=SALT)


def issue_receipt(
    session: Session, *, unit: Unit, service: Service | None, dossier_code: str, valid_days: int = 30
) -> str:
    """Create or reuse the dossier's row (only its hash is stored); return a receipt token.

    Flushes but does not commit: the caller commits. A deactivated unit raises UnitClosed.
    """
    if not unit.active:
        raise UnitClosed(f"the unit {unit.code} is deactivated: it issues no receipts")
    if not dossier_code.strip():
        raise ValueError("the dossier code is empty")
    if valid_days < 1:
        raise ValueError(f"valid_days must be at least 1, got {valid_days}")
    digest = dossier_hash(dossier_code, unit.id)
    dossier = session.exec(select(Dossier).where(Dossier.dossier_hash == digest)).first()
    if dossier is None:
        dossier = Dossier(
            unit_id=unit.id, service_id=service and service.id, dossier_hash=digest, received_at=utcnow()
        )
        session.add(dossier)
        session.flush()
    expires = int((utcnow() + timedelta(days=valid_days)).timestamp())
    return serializer().dumps([dossier.id, dossier.unit_id, dossier.service_id, expires])


def read_receipt(token: str) -> ReceiptClaims:
    """Return the claims of a token; raise ReceiptInvalid or ReceiptExpired."""
    try:
        dossier_id, unit_id, service_id, expires = serializer().loads(token)
    except (BadSignature, ValueError, TypeError) as exc:
        raise ReceiptInvalid("this receipt link was not issued here or was changed") from exc
    expires_at = datetime.fromtimestamp(expires, UTC)
    if expires_at <= utcnow():
        raise ReceiptExpired(expires_at)
    return ReceiptClaims(dossier_id, unit_id, service_id, expires_at)


def receipt_url(token: str) -> str:
    """Return the absolute URL of a receipt survey (for the QR code on the slip)."""
    return f"{current_app.config['PUBLIC_BASE_URL'].rstrip('/')}/r/{token}"
