"""Users, API keys and the audit log in the administration."""

import csv
import io
import json
import re

from sqlmodel import select

from survey.core.devices import digest
from survey.core.passwords import verify_password
from survey.models import ApiKey, AuditEvent, Role, User
from tests.factories import PASSWORD, make_user
from tests.helpers import events, sign_in

NEW_PASSWORD = "a new long password"


def test_admin_creates_any_role_and_the_password_is_hashed(client, province, session):
    sign_in(client, "admin")
    data = {"username": "so-tu-phap", "password": NEW_PASSWORD, "role": "province-admin",
            "unit": province.root.id}
    assert client.post("/admin/users", data=data).status_code == 303
    user = session.exec(select(User).where(User.username == "so-tu-phap")).one()
    assert user.role == Role.PROVINCE_ADMIN and verify_password(user.password_hash, NEW_PASSWORD)
    [event] = events(session, "create", "app_user")
    assert "password_hash" not in json.loads(event.after) and NEW_PASSWORD not in event.after


def test_managers_create_users_only_in_their_subtree_and_never_admins(client, province, session):
    sign_in(client, "district")
    h01 = province.units["H-01"].id
    attempts = [
        {"username": "boss", "password": NEW_PASSWORD, "role": "province-admin", "unit": h01},
        {"username": "outside", "password": NEW_PASSWORD, "role": "viewer", "unit": province.units["D1"].id},
        {"username": "short", "password": "short", "role": "viewer", "unit": h01},
    ]
    for data in attempts:
        client.post("/admin/users", data=data)
    client.post("/admin/users",
                data={"username": "xa-01", "password": NEW_PASSWORD, "role": "viewer", "unit": h01})
    session.commit()
    names = set(session.exec(select(User.username)).all())
    assert names == {"admin", "district", "viewer", "xa-01"}
    page = client.get("/admin/users").get_data(as_text=True)
    assert "xa-01" in page and "district" in page
    assert "<td>admin</td>" not in page  # a province admin
    assert "<td>viewer</td><td>viewer</td>" not in page  # outside the subtree


def test_reset_password_lifts_lockout_and_deactivate_signs_out(client, province, session):
    sign_in(client, "admin")
    district = province.users["district"]
    district.failed_logins, district.locked_until = 3, None
    session.commit()
    reset = client.post(f"/admin/users/{district.id}/password", data={"password": NEW_PASSWORD})
    assert reset.status_code == 303
    session.commit()
    session.refresh(district)
    assert verify_password(district.password_hash, NEW_PASSWORD) and district.failed_logins == 0
    [event] = events(session, "reset-password", "app_user")
    assert json.loads(event.after)["password"] == "reset"
    client.post(f"/admin/users/{district.id}/active")
    other = client.application.test_client()
    assert other.post("/login", data={"username": "district", "password": NEW_PASSWORD}).status_code == 200
    assert client.post(f"/admin/users/{province.users['admin'].id}/active").status_code == 400


def test_managers_cannot_touch_admins_or_users_elsewhere(client, province):
    sign_in(client, "district")
    for user in ("admin", "viewer"):
        uid = province.users[user].id
        assert client.post(f"/admin/users/{uid}/password", data={"password": NEW_PASSWORD}).status_code == 404
        assert client.post(f"/admin/users/{uid}/active").status_code == 404


def test_api_key_is_shown_once_and_only_its_hash_is_kept(client, province, session):
    sign_in(client, "admin")
    data = {"name": "Một cửa điện tử", "scopes": ["receipts:write", "scores:read"],
            "unit": province.units["H"].id}
    response = client.post("/admin/api-keys", data=data)
    assert response.status_code == 200 and response.headers["Cache-Control"] == "no-store"
    secret = re.search(r'<code id="new-key">([^<]+)</code>', response.get_data(as_text=True)).group(1)
    key = session.exec(select(ApiKey)).one()
    assert secret.startswith("hl_") and key.key_hash == digest(secret) and key.prefix == secret[:10]
    assert key.scopes == "receipts:write scores:read" and key.unit_id == province.units["H"].id
    listing = client.get("/admin/api-keys").get_data(as_text=True)
    assert secret not in listing and key.prefix in listing
    assert secret not in session.exec(select(AuditEvent)).one().after
    client.post(f"/admin/api-keys/{key.id}/revoke")
    session.commit()
    session.refresh(key)
    assert key.active is False
    sign_in(client, "viewer")
    assert client.post("/admin/api-keys", data=data).status_code == 404


def test_audit_log_pages_filters_and_exports(client, province, session):
    sign_in(client, "admin")
    for number in range(55):
        client.post(f"/admin/units/{province.units['D1'].id}/rename", data={"name": f"Sở {number}"})
    client.post(f"/admin/counters/{province.counters['D2'].id}/rotate")
    first = client.get("/admin/audit").get_data(as_text=True)
    assert "56 events" in client.get("/admin/audit?lang=en").get_data(as_text=True)
    assert "1 / 2" in first and "Sở 54" in first and "Sở 0&#34;" not in first
    assert "Sở 0&#34;" in client.get("/admin/audit?page=2").get_data(as_text=True)
    only = client.get("/admin/audit?action=rotate-token").get_data(as_text=True)
    assert "rotate-token" in only and "Sở 54" not in only
    exported = client.get("/admin/audit.csv?entity=unit&user=admin")
    assert exported.mimetype == "text/csv"
    rows = list(csv.DictReader(io.StringIO(exported.get_data(as_text=True).lstrip("\ufeff"))))
    assert len(rows) == 55 and {row["action"] for row in rows} == {"rename"}
    assert json.loads(rows[0]["after"]) == {"name": "Sở 54"} and rows[0]["user"] == "admin"
    assert client.get("/admin/audit.csv?user=nobody").get_data(as_text=True).count("\n") == 1
    log_page = client.get("/admin/audit").get_data(as_text=True)
    export = client.get("/admin/audit.csv").get_data(as_text=True)
    assert PASSWORD not in log_page and PASSWORD not in export  # the password never appears in the log


def test_peer_managers_at_one_root_cannot_reset_or_deactivate_each_other(client, province, session):
    peer = make_user(session, "district-2", Role.UNIT_MANAGER, province.units["H"])
    below = make_user(session, "xa-manager", Role.UNIT_MANAGER, province.units["H-01"])
    viewer = make_user(session, "district-viewer", Role.VIEWER, province.units["H"])
    session.commit()
    sign_in(client, "district")

    def reset(user) -> int:
        return client.post(f"/admin/users/{user.id}/password", data={"password": NEW_PASSWORD}).status_code

    assert reset(peer) == 404
    assert client.post(f"/admin/users/{peer.id}/active").status_code == 404
    # A manager strictly below, and a viewer at one's own unit, remain the manager's to look after.
    assert reset(below) == 303
    assert client.post(f"/admin/users/{viewer.id}/active").status_code == 303
    # Nor can a manager create a peer at their own root.
    data = {"username": "district-3", "password": NEW_PASSWORD, "role": "unit-manager",
            "unit": province.units["H"].id}
    refused = client.post("/admin/users", data=data, follow_redirects=True)
    assert "Chỉ được tạo người quản lý cho đơn vị cấp dưới" in refused.text
    session.rollback()
    assert session.exec(select(User).where(User.username == "district-3")).first() is None
    session.refresh(peer)
    assert peer.active and verify_password(peer.password_hash, PASSWORD)
    # The province admin may reset anyone.
    sign_in(client, "admin")
    assert reset(peer) == 303
