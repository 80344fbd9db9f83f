"""Sign-in, its throttling, sign-out that ends sessions, and safe redirects (docs/security.md)."""

import pytest
from sqlmodel import select

from survey.core import passwords
from survey.db import get_engine
from survey.models import User
from tests.factories import PASSWORD
from tests.helpers import app_with


def login(client, username, password):
    return client.post("/login", data={"username": username, "password": password})


def test_sign_in_and_out(client, province):
    response = login(client, "admin", PASSWORD)
    assert response.status_code == 303
    assert response.headers["Location"] == "/manage/"  # staff land on their scores
    assert client.post("/logout").status_code == 303


def test_wrong_password_is_refused_without_saying_which_part(client, province):
    response = login(client, "admin", "nope")
    assert response.status_code == 200
    assert "Sai tên đăng nhập hoặc mật khẩu" in response.get_data(as_text=True)
    unknown = login(client, "nobody", "nope")
    assert unknown.status_code == 200
    assert "Sai tên đăng nhập hoặc mật khẩu" in unknown.get_data(as_text=True)


@pytest.fixture
def throttled(app):
    """Return an app on the same database with the sign-in limits switched on (default numbers)."""
    throttled = app_with(app, {"RATELIMIT_ENABLED": True, "RATELIMIT_STORAGE_URI": "memory://"})
    yield throttled
    get_engine(throttled).dispose()


def test_failures_slow_down_that_account_from_that_address_only(throttled, province, session):
    attacker = throttled.test_client()
    attacker.environ_base["REMOTE_ADDR"] = "203.0.113.9"
    for _ in range(5):  # RATELIMIT_LOGIN_ACCOUNT: 5 failures a minute per account and address
        assert login(attacker, "district", "wrong").status_code == 200
    refused = login(attacker, "district", PASSWORD)
    assert refused.status_code == 429 and refused.headers["Retry-After"] == "60"
    assert "Đăng nhập sai quá nhiều lần" in refused.text
    owner = throttled.test_client()
    owner.environ_base["REMOTE_ADDR"] = "198.51.100.7"
    assert login(owner, "district", PASSWORD).status_code == 303  # the real owner is not locked out
    assert login(attacker, "admin", PASSWORD).status_code == 303  # nor other accounts from there
    session.rollback()
    user = session.exec(select(User).where(User.username == "district")).one()
    assert user.locked_until is None and user.failed_logins == 0


def test_one_address_has_a_budget_of_sign_in_attempts(app, province):
    throttled = app_with(app, {"RATELIMIT_ENABLED": True, "RATELIMIT_LOGIN_ADDRESS": "4 per minute"})
    client = throttled.test_client()
    for number in range(4):
        assert login(client, f"guess{number}", "wrong").status_code == 200
    assert login(client, "admin", PASSWORD).status_code == 429
    get_engine(throttled).dispose()


def test_an_unknown_username_costs_one_password_check_too(client, province, monkeypatch):
    checks = []
    real = passwords.hasher

    class Counting:
        def hash(self, password):
            return real.hash(password)

        def verify(self, stored, password):
            checks.append(stored)
            return real.verify(stored, password)

    monkeypatch.setattr(passwords, "hasher", Counting())
    login(client, "district", "wrong")
    login(client, "nobody-by-this-name", "wrong")
    assert len(checks) == 2 and checks[1].startswith("$argon2id$")


def test_sign_out_ends_the_session_on_the_server(client, province):
    assert login(client, "district", PASSWORD).status_code == 303
    copied = client.get_cookie("session").value
    assert client.get("/manage/").status_code == 200
    client.post("/logout")
    replay = throttled_free_client(client.application, copied)
    assert replay.get("/manage/").status_code == 302  # the copied cookie no longer signs in


def test_a_password_reset_ends_the_users_sessions(app, client, province):
    victim = app.test_client()
    assert login(victim, "district", PASSWORD).status_code == 303
    assert victim.get("/manage/").status_code == 200
    assert login(client, "admin", PASSWORD).status_code == 303
    user_id = province.users["district"].id
    assert client.post(f"/admin/users/{user_id}/password",
                       data={"password": "another long password"}).status_code == 303
    assert victim.get("/manage/").status_code == 302


def throttled_free_client(app, cookie: str):
    """Return a new client carrying a copied session cookie."""
    replay = app.test_client()
    replay.set_cookie("session", cookie)
    return replay


@pytest.mark.parametrize("target", ["/%09/evil.example/", "/%0a/evil.example/", "//evil.example/",
                                    "/%5Cevil.example/", "%5C%5Cevil.example", "/%0d/evil.example",
                                    "https://evil.example/", "/%2F/evil.example"])
def test_next_never_leads_off_site(client, province, target):
    response = client.post(f"/login?next={target}", data={"username": "admin", "password": PASSWORD})
    assert response.status_code == 303 and response.headers["Location"] == "/manage/"


def test_next_parameter_never_leaves_the_site(client, province):
    response = client.post("/login?next=//evil.example/x", data={"username": "admin", "password": PASSWORD})
    assert response.headers["Location"] == "/manage/"
    response = client.post("/login?next=/\\evil.example/x", data={"username": "admin", "password": PASSWORD})
    assert response.headers["Location"] == "/manage/"
    response = client.post("/login?next=/healthz", data={"username": "admin", "password": PASSWORD})
    assert response.headers["Location"] == "/healthz"


def test_english_interface(client, province):
    page = client.get("/login?lang=en").get_data(as_text=True)
    assert "Sign in" in page and 'lang="en"' in page
    assert 'lang="vi"' in client.get("/login").get_data(as_text=True)
