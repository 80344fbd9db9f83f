"""Sign-in, lockout and sign-out."""

from sqlmodel import select

from survey.models import User
from tests.factories import PASSWORD


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


def test_lockout_after_repeated_failures(client, province, session):
    for _ in range(5):
        login(client, "district", "wrong")
    user = session.exec(select(User).where(User.username == "district")).one()
    session.refresh(user)
    assert user.locked_until is not None
    response = login(client, "district", PASSWORD)
    assert response.status_code == 200
    assert "Đăng nhập sai quá nhiều lần" in response.get_data(as_text=True)


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
