"""Receipt tokens: issue, read, tamper, expire; the dossier code is never stored."""

import hashlib
import hmac

import pytest
from sqlalchemy import func
from sqlmodel import select

from survey.core.receipts import (
    DossierOfAnotherUnit,
    ReceiptExpired,
    ReceiptInvalid,
    dossier_hash,
    issue_receipt,
    read_receipt,
    receipt_url,
)
from survey.models import Dossier

CODE = "000.00.12.H56-261120-0042"


def test_dossier_hash_is_the_keyed_hmac(app):
    with app.app_context():
        app.config["DOSSIER_HASH_KEY"] = "k"
        expected = hmac.new(b"k", CODE.encode(), hashlib.sha256).hexdigest()
        assert dossier_hash(CODE) == dossier_hash(f"  {CODE}\n") == expected
        app.config["DOSSIER_HASH_KEY"] = ""
        assert dossier_hash(CODE) != expected  # falls back to the secret key


def test_issue_and_read_a_receipt(app, session, province):
    with app.app_context():
        token = issue_receipt(
            session, unit=province.units["H-01"], service=province.services["1.001193"], dossier_code=CODE
        )
        session.commit()
        claims = read_receipt(token)
        dossier = session.get(Dossier, claims.dossier_id)
        assert dossier.dossier_hash == dossier_hash(CODE)
        expected = (province.units["H-01"].id, province.services["1.001193"].id)
        assert (claims.unit_id, claims.service_id) == expected
        assert 29.9 < (claims.expires_at - dossier.created_at).total_seconds() / 86400 <= 30
        assert receipt_url(token) == f"http://survey.test/r/{token}"
        # A second receipt for the same dossier reuses its row.
        issue_receipt(session, unit=province.units["H-01"], service=None, dossier_code=CODE)
        assert session.exec(select(func.count()).select_from(Dossier)).one() == 1
        assert CODE not in str(session.exec(select(Dossier)).all())


def test_a_dossier_of_another_unit_gets_no_receipt(app, session, province):
    with app.test_request_context():
        issue_receipt(session, unit=province.units["H-01"], service=None, dossier_code=CODE)
        with pytest.raises(DossierOfAnotherUnit, match="belongs to another unit"):
            issue_receipt(session, unit=province.units["D1"], service=None, dossier_code=CODE)
        assert session.exec(select(Dossier.unit_id)).all() == [province.units["H-01"].id]


def test_tampered_and_foreign_tokens_are_invalid(app, session, province):
    with app.app_context():
        token = issue_receipt(session, unit=province.units["D1"], service=None, dossier_code=CODE)
        for bad in (token[:-2] + ("AA" if not token.endswith("AA") else "BB"), "garbage", token + "x", ""):
            with pytest.raises(ReceiptInvalid):
                read_receipt(bad)
        app.secret_key = "another-secret"
        with pytest.raises(ReceiptInvalid):
            read_receipt(token)


def test_expired_tokens_say_so(app, session, province, monkeypatch):
    with app.app_context():
        token = issue_receipt(session, unit=province.units["D1"], service=None, dossier_code=CODE,
                              valid_days=1)
        from datetime import timedelta

        from survey.core import receipts

        later = receipts.utcnow() + timedelta(days=1, seconds=1)
        monkeypatch.setattr(receipts, "utcnow", lambda: later)
        with pytest.raises(ReceiptExpired) as caught:
            read_receipt(token)
        assert caught.value.expires_at < later


@pytest.mark.parametrize(("code", "days"), [("  ", 30), (CODE, 0)])
def test_issue_refuses_bad_arguments(app, session, province, code, days):
    with app.app_context(), pytest.raises(ValueError):
        issue_receipt(session, unit=province.units["D1"], service=None, dossier_code=code, valid_days=days)
