"""Paper questionnaires: printed with their identity, typed in by staff, once, or twice to agree."""

import re

from sqlmodel import select

from survey import instruments
from survey.models import AuditEvent, PaperEntry, Response
from tests.helpers import sign_in


def typed(code: str = "sipas-service", level: int = 4, **changes) -> dict:
    """Return the entry row of a form answering every rating item with one level."""
    values = {f"v-{item.code}": str(level) for item in instruments.load(code).items if item.kind == "rating"}
    return values | changes


def identity_of(client, counter_id: int, serial: int) -> str:
    """Print one form and return the identity it carries."""
    page = client.get(f"/admin/counters/{counter_id}/paper-forms?first={serial}&count=1")
    [identity] = re.findall(r'data-identity="([^"]+)"', page.text)
    return identity


def responses(session) -> list[Response]:
    """Return the stored responses now."""
    session.rollback()
    return list(session.exec(select(Response).order_by(Response.id)).all())


def test_printed_forms_carry_counter_version_and_serial(client, session, province):
    sign_in(client, "admin")
    counter = province.counters["D1"]
    page = client.get(f"/admin/counters/{counter.id}/paper-forms?first=101&count=3")
    assert page.status_code == 200
    version = province.instruments["sipas-service"].id
    assert re.findall(r'data-identity="([^"]+)"', page.text) == [
        f"HL1-{counter.id}-{version}-{serial}" for serial in (101, 102, 103)]
    assert page.text.count('<svg class="qr"') == 3 and "Rất hài lòng" in page.text
    assert client.get(f"/admin/counters/{counter.id}/paper-forms?count=999").status_code == 404


def test_single_entry_records_at_once_and_refuses_a_serial_twice(client, session, province):
    sign_in(client, "admin")
    counter = province.counters["D1"]
    path = f"/admin/counters/{counter.id}/paper"
    assert 'name="v-A1"' in client.get(path).text
    identity = identity_of(client, counter.id, 7)
    done = client.post(path, data=typed(number=identity, comment="Giấy tờ rõ ràng", answered_on="2026-10-05"),
                       follow_redirects=True)
    assert "Phiếu 7 đã được ghi nhận." in done.text
    [row] = responses(session)
    assert (row.channel, row.counter_id, row.unit_id, row.comment) == (
        "paper", counter.id, province.units["D1"].id, "Giấy tờ rõ ràng")
    assert row.submitted_at.isoformat().startswith("2026-10-05T05:00")
    again = client.post(path, data=typed(number="7"), follow_redirects=True)
    assert "đã được nhập" in again.text or "entered already" in again.text
    assert len(responses(session)) == 1
    [event] = session.exec(select(AuditEvent).where(AuditEvent.action == "paper-entry")).all()
    assert event.user_id == province.users["admin"].id
    assert "Giấy tờ" not in session.exec(select(PaperEntry.first_values)).one()


def test_bad_numbers_and_values_are_refused(client, session, province):
    sign_in(client, "admin")
    counter = province.counters["D1"]
    path = f"/admin/counters/{counter.id}/paper"
    other = identity_of(client, province.counters["D2"].id, 1)
    for data, reason in ((typed(number="abc"), "neither a serial"), (typed(number=other), "another counter"),
                         (typed(number="5", **{"v-A1": "7"}), "7 is not an answer"),
                         (typed(number="5", **{"v-A1": "x"}), "must be a number"),
                         ({"number": "5"}, "no answer"),
                         (typed(number="5", answered_on="2099-01-01"), "in the future")):
        page = client.post(path, data=data, follow_redirects=True)
        assert reason in page.text, reason
    assert responses(session) == []


def test_double_entry_counts_once_two_people_agree(app, client, session, province):
    app.config["PAPER_DOUBLE_ENTRY"] = True
    counter = province.counters["H-01"]
    path = f"/admin/counters/{counter.id}/paper"
    sign_in(client, "admin")
    first = client.post(path, data=typed(number="12", **{"v-A2": "2"}), follow_redirects=True)
    assert "người khác" in first.text and responses(session) == []
    same = client.post(path, data=typed(number="12", **{"v-A2": "2"}), follow_redirects=True)
    assert "needs its second typing by another person" in same.text
    second = app.test_client()
    sign_in(second, "district")
    assert 'data-serial="12"' in second.get(path).text
    wrong = second.post(path, data=typed(number="12", **{"v-A2": "3"}, comment="x"), follow_redirects=True)
    assert "the two typings differ on A2, comment" in wrong.text and responses(session) == []
    right = second.post(path, data=typed(number="12", **{"v-A2": "2"}), follow_redirects=True)
    assert "Phiếu 12 đã được ghi nhận." in right.text
    [row] = responses(session)
    entry = session.exec(select(PaperEntry)).one()
    assert (entry.first_user_id, entry.second_user_id, entry.response_id) == (
        province.users["admin"].id, province.users["district"].id, row.id)
    assert row.channel == "paper"
    actions = [e.action for e in session.exec(select(AuditEvent).order_by(AuditEvent.id)).all()]
    assert actions[-2:] == ["paper-entry", "paper-second-entry"]


def test_a_waiting_first_typing_can_be_discarded(app, client, session, province):
    app.config["PAPER_DOUBLE_ENTRY"] = True
    counter = province.counters["D2"]
    sign_in(client, "admin")
    client.post(f"/admin/counters/{counter.id}/paper", data=typed(number="3"))
    entry_id = session.exec(select(PaperEntry.id)).one()
    done = client.post(f"/admin/paper-entries/{entry_id}/discard", follow_redirects=True)
    assert "Đã hủy lần nhập đầu của phiếu 3." in done.text
    session.rollback()
    assert session.exec(select(PaperEntry)).all() == []
    assert client.post(f"/admin/paper-entries/{entry_id}/discard").status_code == 404
