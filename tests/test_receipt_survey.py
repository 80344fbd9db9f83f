"""The receipt survey: one rating per dossier, clear pages for tampered and expired links."""

from datetime import timedelta

from sqlmodel import func, select

from survey.core import receipts
from survey.core.receipts import dossier_hash, issue_receipt
from survey.models import Dossier, Response, Unit
from tests.helpers import aged_ticket, answers, hidden

CODE = "H56.22-261122-0007"


def receipt_path(app, session, province, *, days: int = 30) -> str:
    """Issue a receipt for a dossier at commune H-01; return its path."""
    with app.app_context():
        token = issue_receipt(
            session, unit=province.units["H-01"], service=province.services["2.000815"], dossier_code=CODE,
            valid_days=days,
        )
    session.commit()
    return f"/r/{token}"


def test_cli_prints_an_absolute_receipt_url(app, runner, session, province):
    result = runner.invoke(args=["receipt", "--unit", "H-01", "--service", "1.001193", "--dossier", CODE,
                                 "--days", "7"])
    assert result.exit_code == 0, result.output
    url = result.output.strip()
    assert url.startswith("http://survey.test/r/")
    with app.app_context():
        claims = receipts.read_receipt(url.rsplit("/", 1)[1])
        assert session.get(Dossier, claims.dossier_id).dossier_hash == dossier_hash(CODE, claims.unit_id)
    assert 6.9 < (claims.expires_at - receipts.utcnow()).total_seconds() / 86400 <= 7


def test_cli_names_an_unknown_unit(runner, province):
    result = runner.invoke(args=["receipt", "--unit", "NOPE", "--service", "1.001193", "--dossier", CODE])
    assert result.exit_code == 2 and "no unit with code 'NOPE'" in result.output


def test_rate_a_dossier_once(app, client, session, province):
    path = receipt_path(app, session, province)
    form = client.get(path)
    assert form.status_code == 200
    assert "Đánh giá việc giải quyết hồ sơ" in form.text and "Sớm hơn hạn" in form.text
    assert "Không có ý kiến" not in form.text  # TT 01 items have no "no opinion"
    data = answers("tt01-dossier") | {"RATING": "3", "ticket": aged_ticket(app)}
    done = client.post(path, data=data)
    assert (done.status_code, done.location) == (303, f"{path}/thanks")
    assert client.post(path, data=data).location == done.location  # a retry lands on the same page
    assert "Xin cảm ơn" in client.get(done.location).text
    [row] = session.exec(select(Response)).all()
    assert (row.channel, row.unit_id, row.service_id, row.counter_id) == (
        "receipt", province.units["H-01"].id, province.services["2.000815"].id, None
    )
    assert row.dossier_hash == session.exec(select(Dossier.dossier_hash)).one()
    assert (row.answered_mask, row.satisfied_mask) == (1, 1)  # RATING is the one scored item
    # A second visit, or a second form opened before the first was sent, says it was rated.
    again = client.get(path)
    assert again.status_code == 200 and "Hồ sơ này đã được đánh giá" in again.text
    late = client.post(path, data=data | {"ticket": aged_ticket(app)})
    assert "Hồ sơ này đã được đánh giá" in late.text
    session.rollback()
    assert len(session.exec(select(Response)).all()) == 1


def test_a_second_receipt_for_a_rated_dossier_is_already_rated(app, client, session, province):
    path = receipt_path(app, session, province)
    client.post(path, data=answers("tt01-dossier") | {"ticket": aged_ticket(app)})
    reissued = receipt_path(app, session, province)
    assert "Hồ sơ này đã được đánh giá" in client.get(reissued).text


def test_tampered_receipt_is_a_clear_404(app, client, session, province):
    path = receipt_path(app, session, province)
    for bad in (path[:-4] + "AAAA", "/r/not-a-token", path + "x"):
        page = client.get(bad)
        assert page.status_code == 404
        assert "Không đọc được đường dẫn trên giấy hẹn" in page.text


def test_expired_receipt_is_a_clear_410(app, client, session, province, monkeypatch):
    path = receipt_path(app, session, province, days=1)
    later = receipts.utcnow() + timedelta(days=2)
    monkeypatch.setattr(receipts, "utcnow", lambda: later)
    page = client.get(path)
    assert page.status_code == 410
    assert "Đường dẫn đánh giá này đã hết hạn" in page.text and "hiệu lực đến ngày" in page.text
    assert client.post(path, data=answers("tt01-dossier")).status_code == 410


def test_receipt_form_in_english_keeps_its_key_when_invalid(app, client, session, province):
    path = receipt_path(app, session, province)
    data = answers("tt01-dossier") | {"ticket": aged_ticket(app)}
    del data["T7"]
    page = client.post(path + "?lang=en", data=data)
    assert page.status_code == 422 and "Please choose an answer." in page.text
    assert hidden(page.text, "ticket") == data["ticket"]


def test_receipt_command_scopes_codes_per_unit_and_refuses_a_deactivated_unit(runner, session, province):
    first = runner.invoke(args=["receipt", "--unit", "H-01", "--service", "1.001193", "--dossier", "HS-42"])
    assert first.exit_code == 0, first.output
    second = runner.invoke(args=["receipt", "--unit", "D1", "--service", "1.001193", "--dossier", "HS-42"])
    assert second.exit_code == 0 and second.output != first.output  # D1's own dossier HS-42
    province.units["D1"].active = False
    session.add(province.units["D1"])
    session.commit()
    closed = runner.invoke(args=["receipt", "--unit", "D1", "--service", "1.001193", "--dossier", "HS-43"])
    assert closed.exit_code == 2 and "deactivated" in closed.output


def test_a_deactivated_units_receipt_takes_no_rating(app, client, session, province):
    path = receipt_path(app, session, province)
    unit = session.get(Unit, province.units["H-01"].id)
    unit.active = False
    session.commit()
    page = client.post(path, data=answers("tt01-dossier") | {"ticket": aged_ticket(app)})
    assert page.status_code == 200 and "Cơ quan này hiện không nhận phiếu khảo sát" in page.text
    session.rollback()
    assert session.exec(select(func.count()).select_from(Response)).one() == 0
