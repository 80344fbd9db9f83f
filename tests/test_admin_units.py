"""Units, counters and procedures in the administration, each change in the audit log."""

import json

from sqlmodel import select

from survey.db import get_engine
from survey.models import Counter, Service, Unit, UnitService
from tests.factories import add_sipas
from tests.helpers import app_with, events, sign_in


def test_admin_creates_a_unit_under_a_parent(client, province, session):
    sign_in(client, "admin")
    h = province.units["H"]
    response = client.post("/admin/units",
                           data={"parent": h.id, "code": "H-03", "name": "Xã Mới", "kind": "commune"})
    assert response.status_code == 303
    unit = session.exec(select(Unit).where(Unit.code == "H-03")).one()
    assert unit.parent_id == h.id and unit.path == f"{h.path}{unit.id}/" and unit.kind == "commune"
    [event] = events(session, "create", "unit")
    assert event.entity_id == unit.id and event.before is None
    assert json.loads(event.after)["name"] == "Xã Mới"
    assert event.user_id == province.users["admin"].id


def error_flashes(client) -> list[tuple[str, str]]:
    """Return the error messages flashed for the next page."""
    with client.session_transaction() as flask_session:
        return [(c, m) for c, m in flask_session.get("_flashes", []) if c == "error"]


def test_a_taken_code_or_a_bad_form_changes_nothing(client, province, session):
    sign_in(client, "admin")
    h = province.units["H"]
    taken = client.post("/admin/units",
                        data={"parent": h.id, "code": "D1", "name": "Trùng", "kind": "commune"})
    assert taken.status_code == 303 and taken.headers["Location"].endswith("/admin/")
    assert error_flashes(client) == [("error", "Đã có đơn vị mang mã D1.")]
    same = client.post("/admin/units", data={"parent": h.id, "code": "h-01", "name": "Trùng", "kind": "ward"})
    assert same.status_code == 303 and error_flashes(client)[-1] == ("error", "Đã có đơn vị mang mã H-01.")
    client.post("/admin/units", data={"parent": h.id, "code": "H-03", "name": "Huyện", "kind": "district"})
    bad = client.post("/admin/units",
                      data={"parent": h.id, "code": "bad code!", "name": "X", "kind": "commune"})
    assert bad.status_code == 303 and bad.headers["Location"].endswith("/admin/")
    client.post("/admin/units", data={"parent": h.id, "code": "OK", "name": "X", "kind": "province"})
    assert len(session.exec(select(Unit)).all()) == 6  # no province, no new district, no second H-01
    assert events(session, "create", "unit") == []


def test_unit_codes_are_kept_in_capitals_and_kinds_are_named(client, province, session):
    sign_in(client, "admin")
    client.post("/admin/units", data={"parent": province.root.id, "code": " p-truongvinh ",
                                      "name": "Phường Trường Vinh", "kind": "ward"})
    assert session.exec(select(Unit.kind).where(Unit.code == "P-TRUONGVINH")).one() == "ward"
    page = client.get("/admin/").text
    assert "<td>Phường</td>" in page and "<td>Cấp huyện (trước ngày 01/7/2025)</td>" in page  # the old H
    assert '<option value="ward">Phường</option>' in page and 'value="district"' not in page


def test_managers_create_units_only_under_their_subtree(client, province, session):
    sign_in(client, "district")
    data = {"parent": province.units["D1"].id, "code": "X1", "name": "X", "kind": "commune"}
    response = client.post("/admin/units", data=data)
    assert response.status_code == 303
    assert session.exec(select(Unit).where(Unit.code == "X1")).first() is None
    session.commit()
    data = {"parent": province.units["H-01"].id, "code": "X2", "name": "Thôn", "kind": "commune"}
    client.post("/admin/units", data=data)
    created = session.exec(select(Unit).where(Unit.code == "X2")).one()
    assert created.path.startswith(province.units["H-01"].path)


def test_rename_and_deactivate_a_unit_with_before_and_after(client, province, session):
    sign_in(client, "district")
    unit = province.units["H-02"]
    client.post(f"/admin/units/{unit.id}/rename", data={"name": "Phường Hai"})
    client.post(f"/admin/units/{unit.id}/active")
    session.commit()
    session.refresh(unit)
    assert unit.name == "Phường Hai" and unit.active is False
    [rename] = events(session, "rename", "unit")
    assert json.loads(rename.before) == {"name": "Đơn vị H-02"}
    assert json.loads(rename.after) == {"name": "Phường Hai"}
    [deactivate] = events(session, "deactivate", "unit")
    assert json.loads(deactivate.after) == {"active": False}
    # A manager never deactivates the root of their own scope; nobody deactivates the province.
    assert client.post(f"/admin/units/{province.units['H'].id}/active").status_code == 404
    sign_in(client, "admin")
    assert client.post(f"/admin/units/{province.root.id}/active").status_code == 400


def test_counters_are_created_renamed_rotated_and_deactivated(client, province, session):
    sign_in(client, "admin")
    unit = province.units["D2"]
    client.post(f"/admin/units/{unit.id}/counters", data={"name": "Quầy 2", "instrument": "quick-3"})
    counter = session.exec(select(Counter).where(Counter.name == "Quầy 2")).one()
    session.commit()
    assert counter.unit_id == unit.id and counter.instrument_code == "quick-3" and len(counter.token) == 43
    old_token = counter.token
    assert client.post(f"/admin/counters/{counter.id}/rotate").status_code == 303
    client.post(f"/admin/counters/{counter.id}/edit",
                data={"name": "Quầy hai", "instrument": "sipas-service"})
    client.post(f"/admin/counters/{counter.id}/active")
    session.commit()
    session.refresh(counter)
    assert counter.token != old_token and counter.token_rotated_at is not None
    assert (counter.name, counter.instrument_code, counter.active) == ("Quầy hai", "sipas-service", False)
    [rotate] = events(session, "rotate-token", "counter")
    assert json.loads(rotate.before)["token"] == old_token
    assert json.loads(rotate.after)["token"] == counter.token
    refused = client.post(f"/admin/counters/{counter.id}/edit", data={"name": "X", "instrument": "nope"})
    assert refused.status_code == 303
    session.commit()
    session.refresh(counter)
    assert counter.name == "Quầy hai"


def test_procedures_of_a_unit_and_new_procedures(client, province, session):
    sign_in(client, "admin")
    client.post("/admin/services",
                data={"service-code": "1.000001", "service-name": "Cấp phép", "service-field": "Xây dựng"})
    new = session.exec(select(Service).where(Service.code == "1.000001")).one()
    session.commit()
    unit = province.units["D1"]
    old = province.services["1.001193"]
    client.post(f"/admin/units/{unit.id}/services", data={"services": [str(new.id), str(old.id)]})
    linked = set(session.exec(select(UnitService.service_id).where(UnitService.unit_id == unit.id)).all())
    assert linked == {new.id, old.id}
    [event] = events(session, "services", "unit")
    assert json.loads(event.after) == {"services": sorted([new.id, old.id])}
    again = client.post("/admin/services",
                        data={"service-code": "1.000001", "service-name": "Y", "service-field": "Z"})
    assert again.status_code == 303 and [m for _, m in error_flashes(client) if "1.000001" in m]
    assert len(session.exec(select(Service).where(Service.code == "1.000001")).all()) == 1
    sign_in(client, "district")
    forbidden = client.post("/admin/services",
                            data={"service-code": "9", "service-name": "X", "service-field": "Y"})
    assert forbidden.status_code == 404


def test_a_rename_on_one_app_server_reaches_the_cached_pages_of_another(app, client, province, session):
    """Each server process caches page sections; the administrator renames a unit through another."""
    add_sipas(session, province, "D1", n=3, satisfied=3)
    sign_in(client, "admin")
    old = province.units["D1"].name
    assert old in client.get("/manage/?period=2026-07").get_data(as_text=True)  # and in this process's cache
    elsewhere = app_with(app, {})
    other = elsewhere.test_client()
    sign_in(other, "admin")
    assert other.post(f"/admin/units/{province.units['D1'].id}/rename",
                      data={"name": "Sở Đổi Tên"}).status_code == 303
    get_engine(elsewhere).dispose()
    page = client.get("/manage/?period=2026-07").get_data(as_text=True)
    assert "Sở Đổi Tên" in page and old not in page
