"""Receipt tokens: issue, read, tamper, expire; the dossier code is never stored."""

import hashlib
import hmac

import pytest
from sqlalchemy import func
from sqlmodel import select

from survey.core.receipts import (
    ReceiptExpired,
    ReceiptInvalid,
    UnitClosed,
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
        expected = hmac.new(b"k", f"7:{CODE}".encode(), hashlib.sha256).hexdigest()
        assert dossier_hash(CODE, 7) == dossier_hash(f"  {CODE}\n", 7) == expected
        assert dossier_hash(CODE, 8) != expected  # scoped per unit
        app.config["DOSSIER_HASH_KEY"] = ""
        assert dossier_hash(CODE, 7) != expected  # falls back to the secret key


def test_issue_and_read_a_receipt(app, session, province):
    with app.app_context():
        token = issue_receipt(
            session, unit=province.units["H-01"], service=province.services["1.001193"], dossier_code=CODE
        )
        session.commit()
        claims = read_receipt(token)
        dossier = session.get(Dossier, claims.dossier_id)
        assert dossier.dossier_hash == dossier_hash(CODE, province.units["H-01"].id)
        expected = (province.units["H-01"].id, province.services["1.001193"].id)
        assert (claims.unit_id, claims.service_id) == expected
        assert 29.9 < (claims.expires_at - dossier.created_at).total_seconds() / 86400 <= 30
        assert receipt_url(token) == f"http://survey.test/r/{token}"
        # A second receipt for the same dossier reuses its row.
        issue_receipt(session, unit=province.units["H-01"], service=None, dossier_code=CODE)
        assert session.exec(select(func.count()).select_from(Dossier)).one() == 1
        assert CODE not in str(session.exec(select(Dossier)).all())


def test_dossier_codes_are_scoped_per_unit(app, session, province):
    with app.test_request_context():
        first, other = (read_receipt(issue_receipt(session, unit=province.units[code], service=None,
                                                   dossier_code=CODE)) for code in ("H-01", "D1"))
        assert first.dossier_id != other.dossier_id  # one unit cannot claim another's code
        assert sorted(session.exec(select(Dossier.unit_id)).all()) == sorted(
            [province.units["H-01"].id, province.units["D1"].id])


def test_a_deactivated_unit_issues_no_receipts(app, session, province):
    unit = province.units["H-01"]
    unit.active = False
    with app.test_request_context(), pytest.raises(UnitClosed, match="deactivated"):
        issue_receipt(session, unit=unit, service=None, dossier_code=CODE)


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
