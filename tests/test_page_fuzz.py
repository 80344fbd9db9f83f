"""A bounded fuzz of every page: each route's query parameters, path parts and form fields get
hostile values (NUL, lone surrogates, huge numbers, absurd periods, redirects off-site, markup,
long texts); no answer may be a 5xx. Runs on both databases like the rest of the suite."""

import re
from urllib.parse import quote

import pytest
from sqlmodel import select

from survey.db import get_engine
from survey.models import ApiKey, KioskDevice
from tests.helpers import app_with, make_key, make_kiosk, sign_in

HOSTILE = [
    "", "a\x00b", "\ud800", "9999", "0001-01-01..9999-12-31", "2026-13", "-1", "99999999999999999999999",
    "1e309", "/%0a/evil.example", "//evil.example", "\\\\evil.example", "<script>alert(1)</script>",
    "' OR 1=1 --", "x" * 3000, "２０２６", "=HYPERLINK(\"http://evil\")",
]
#: Path parts: werkzeug's int converter takes digits only, so numbers there are the hostile ones.
HOSTILE_INTS = ["0", "99999999999999999999", "2147483648", "9223372036854775808"]
SKIP = {"static", "auth.logout", "home.health"}


def encode(value: str) -> str:
    """Percent-encode a text as UTF-8, lone surrogates included (as their invalid byte forms)."""
    return quote(value.encode("utf-8", "surrogatepass"), safe="")


def form_body(fields: list[str], value: str) -> bytes:
    """Return a urlencoded body with every field set to the value."""
    return "&".join(f"{encode(name)}={encode(value)}" for name in fields).encode()


@pytest.fixture
def fuzz_app(app):
    """The test app with the 5xx answers kept as answers (not raised into the test)."""
    app.config["PROPAGATE_EXCEPTIONS"] = False
    return app


def real_values(province, session) -> dict:
    """Return a real value for each path parameter name."""
    make_key(session, province.units["P"])
    make_kiosk(session, province.counters["D1"])
    return {
        "code": "P", "token": province.counters["D1"].token, "fmt": "csv",
        "counter_id": province.counters["D1"].id, "unit_id": province.units["H"].id,
        "user_id": province.users["viewer"].id, "key_id": session.exec(select(ApiKey.id)).first(),
        "kiosk_id": session.exec(select(KioskDevice.id)).first(), "filename": "app.css",
    }


def routes(app, method: str) -> list:
    """Return the page routes taking a method (the API has its own fuzz: test_api_fuzz.py)."""
    chosen = [rule for rule in app.url_map.iter_rules()
              if method in rule.methods and rule.endpoint not in SKIP and not rule.rule.startswith("/api/")]
    return sorted(chosen, key=lambda rule: rule.rule)


def path_of(rule, values: dict, **override) -> str:
    path = rule.rule
    for argument in rule.arguments:
        value = override.get(argument, values[argument])
        for token in (f"<int:{argument}>", f"<{argument}>", f"<any(csv, xlsx):{argument}>"):
            path = path.replace(token, str(value))
    return path


def field_names(client, values) -> list[str]:
    """Return the names of every form field and filter of the pages (harvested from their HTML)."""
    pages = ["/", "/login", f"/c/{values['token']}", "/admin/", "/admin/users", "/admin/api-keys",
             f"/admin/units/{values['unit_id']}", f"/admin/counters/{values['counter_id']}", "/admin/audit",
             "/manage/unit/P", "/k/enrol"]
    names = {"next", "lang", "page", "size", "period", "q", "level", "service", "channel"}
    for page in pages:
        names |= set(re.findall(r'name="([^"]+)"', client.get(page).text))
    return sorted(names)


def assert_no_server_error(response, what: str) -> None:
    assert response.status_code < 500, f"{what} answered {response.status_code}"


def test_pages_answer_every_hostile_query_without_server_error(fuzz_app, client, session, province):
    values = real_values(province, session)
    sign_in(client, "admin")
    fields = field_names(client, values)
    for rule in routes(fuzz_app, "GET"):
        path = path_of(rule, values)
        for value in HOSTILE:
            query = "&".join(f"{encode(name)}={encode(value)}" for name in fields)
            assert_no_server_error(client.get(f"{path}?{query}"), f"GET {path} with {value!r}")


def test_path_parts_with_hostile_values_never_fail_the_server(fuzz_app, client, session, province):
    values = real_values(province, session)
    sign_in(client, "admin")
    for rule in routes(fuzz_app, "GET") + routes(fuzz_app, "POST"):
        for argument in rule.arguments - {"fmt", "filename"}:
            texts = HOSTILE_INTS if rule.rule.count(f"<int:{argument}>") else HOSTILE
            for value in texts:
                path = path_of(rule, values, **{argument: encode(value) or "%20"})
                method = "GET" if "GET" in rule.methods else "POST"
                response = client.open(path, method=method, data=b"",
                                       content_type="application/x-www-form-urlencoded")
                assert_no_server_error(response, f"{method} {path}")


@pytest.mark.parametrize("signed_in", [True, False])
def test_forms_answer_every_hostile_post_without_server_error(fuzz_app, client, session, province, signed_in):
    values = real_values(province, session)
    sign_in(client, "admin")
    fields = field_names(client, values)
    if not signed_in:
        client.post("/logout")
    for rule in routes(fuzz_app, "POST"):
        path = path_of(rule, values)
        for value in HOSTILE:
            response = client.post(path, data=form_body(fields, value),
                                   content_type="application/x-www-form-urlencoded")
            assert_no_server_error(response, f"POST {path} with {value!r}")
            if signed_in and response.status_code in (302, 303) and "/login" in response.headers["Location"]:
                sign_in(client, "admin")


def test_the_forms_keep_their_limits_on(app, session, province):
    """The same hostile sign-in posts with rate limits and CSRF on: refusals, never a 5xx."""
    strict = app_with(app, {"RATELIMIT_ENABLED": True, "WTF_CSRF_ENABLED": True,
                            "PROPAGATE_EXCEPTIONS": False})
    client = strict.test_client()
    for value in HOSTILE:
        response = client.post("/login", data=form_body(["username", "password", "csrf_token"], value),
                               content_type="application/x-www-form-urlencoded")
        assert_no_server_error(response, f"POST /login with {value!r}")
    get_engine(strict).dispose()
