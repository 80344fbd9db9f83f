"""Flagged responses one by one, and a kiosk's minimum interval edited after creation, audited."""

import json

from sqlmodel import select

from survey.models import AuditEvent, KioskDevice
from tests.factories import add_sipas
from tests.helpers import make_kiosk, sign_in


def test_flagged_responses_are_listed_with_reason_and_answers(client, session, province):
    add_sipas(session, province, "D2", n=6, satisfied=3, flagged=2, comment="Phải chờ quá lâu")
    add_sipas(session, province, "H-01", n=3, satisfied=3, flagged=1)
    sign_in(client, "admin")
    page = client.get("/admin/flags/responses?days=365").get_data(as_text=True)
    assert page.count("data-response=") == 3
    assert "too fast" in page and "A1: 5" in page and "Phải chờ quá lâu" in page
    d2 = client.get(f"/admin/flags/responses?days=365&unit={province.units['D2'].id}").get_data(as_text=True)
    assert d2.count("data-response=") == 2 and "Đơn vị H-01</td>" not in d2
    assert client.get("/admin/flags/responses?days=365&reason=other").get_data(as_text=True).count(
        "data-response=") == 0


def test_unit_managers_see_only_their_flagged_responses(client, session, province):
    add_sipas(session, province, "D2", n=4, satisfied=3, flagged=2)
    add_sipas(session, province, "H-01", n=3, satisfied=3, flagged=1)
    sign_in(client, "district")
    url = f"/admin/flags/responses?days=365&unit={province.units['D2'].id}"
    page = client.get(url).get_data(as_text=True)
    assert page.count("data-response=") == 1  # a unit outside the scope is ignored: their own only


def test_a_kiosks_minimum_interval_can_be_edited_and_is_audited(client, session, province):
    make_kiosk(session, province.counters["H-01"])
    make_kiosk(session, province.counters["D1"])
    ids = {k.counter_id: k.id for k in session.exec(select(KioskDevice)).all()}
    inside, outside = ids[province.counters["H-01"].id], ids[province.counters["D1"].id]
    session.rollback()
    sign_in(client, "admin")
    for seconds in ("45", "-5"):
        response = client.post(f"/admin/kiosks/{inside}/interval", data={"min_interval_seconds": seconds})
        assert response.status_code == 303
    sign_in(client, "district")
    response = client.post(f"/admin/kiosks/{outside}/interval", data={"min_interval_seconds": "5"})
    assert response.status_code == 404
    intervals = {k.id: k.min_interval_seconds for k in session.exec(select(KioskDevice)).all()}
    assert intervals == {inside: 45, outside: 0}  # -5 refused; outside the scope untouched
    event = session.exec(select(AuditEvent).where(AuditEvent.entity_id == inside)).one()
    assert event.action == "update"
    assert json.loads(event.before)["min_interval_seconds"] == 0
    assert json.loads(event.after)["min_interval_seconds"] == 45
