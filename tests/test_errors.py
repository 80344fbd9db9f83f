"""Error pages: ours for every error, in the interface language and in each part's style."""

import pytest
from flask import abort

from survey import create_app
from tests.helpers import D1, answers, sign_in


@pytest.mark.parametrize(
    ("path", "stylesheet"),
    [("/nope", None), ("/manage/nope", "manage.css"), ("/admin/nope", "admin.css"),
     ("/manage/x/y", "manage.css")],
)
def test_unknown_urls_get_our_404_in_the_style_of_their_part(client, path, stylesheet):
    page = client.get(path)
    assert page.status_code == 404
    assert "<h1>Không tìm thấy trang</h1>" in page.text and "Not Found" not in page.text
    assert ("manage.css" in page.text, "admin.css" in page.text) == (
        stylesheet == "manage.css", stylesheet == "admin.css")
    english = client.get(path + "?lang=en")
    assert "<h1>Page not found</h1>" in english.text


def test_a_viewer_finds_no_administration(client, province):
    sign_in(client, "viewer")
    page = client.get("/admin/")
    assert page.status_code == 404 and "Không tìm thấy trang" in page.text and "admin.css" in page.text


def test_a_wrong_method_and_the_api_keep_their_own_answers(client):
    page = client.put("/")
    assert page.status_code == 405 and "Không thể sử dụng trang này" in page.text
    assert client.get("/api/v1/nope").get_json()["error"]["status"] == 404


@pytest.fixture
def failing_app(tmp_path):
    """An app whose database cannot be reached, and with a view that fails."""
    app = create_app({"TESTING": True, "SECRET_KEY": "x", "PROPAGATE_EXCEPTIONS": False, "DEMO": False,
                      "WTF_CSRF_ENABLED": False, "RATELIMIT_ENABLED": False,
                      "DATABASE_URL": "postgresql+psycopg://nobody@127.0.0.1:9/none?connect_timeout=2"})
    app.instance_path = str(tmp_path)

    @app.get("/manage/fails")
    def fails():
        raise ValueError("a bug")

    @app.get("/admin/status/<int:code>")
    def status(code: int):
        abort(code)

    return app


@pytest.mark.parametrize(
    ("code", "title"),
    [(403, "Ông/Bà không có quyền mở trang này"), (410, "Đường liên kết này không còn hiệu lực"),
     (429, "Có quá nhiều yêu cầu"), (400, "Không hiểu được yêu cầu")],
)
def test_every_error_status_has_our_page(failing_app, code, title):
    page = failing_app.test_client().get(f"/admin/status/{code}")
    assert page.status_code == code and f"<h1>{title}</h1>" in page.text and "admin.css" in page.text


def test_a_failure_is_our_500_page(failing_app):
    page = failing_app.test_client().get("/manage/fails")
    assert page.status_code == 500 and "<h1>Hệ thống đang gặp sự cố</h1>" in page.text
    assert "manage.css" in page.text and "Internal Server Error" not in page.text


def test_a_database_that_is_down_is_503_and_a_citizen_is_told_the_answers_were_not_saved(failing_app):
    client = failing_app.test_client()
    page = client.get(D1)
    assert page.status_code == 503 and page.headers["Retry-After"] == "60"
    assert "<h1>Hệ thống tạm thời không hoạt động</h1>" in page.text and "CHƯA được lưu" not in page.text
    sent = client.post(D1, data=answers())
    assert sent.status_code == 503
    assert "Câu trả lời của Ông/Bà CHƯA được lưu." in sent.text and "bấm Gửi lại" in sent.text
    english = client.post(D1 + "?lang=en", data=answers())
    assert "Your answers were NOT saved." in english.text
    for path in ("/", "/manage/", "/admin/", "/login"):
        assert client.get(path).status_code in (200, 302, 503), path  # the sign-in form needs no database
