"""The Vietnamese interface is Vietnamese: every page is walked, and no English interface text is left.

The English texts are the catalogue's own: every message of the source (extracted as `pybabel
extract` would) of two words or more must not show on a Vietnamese page; stored codes that have
names (roles, audit actions, flag reasons) and the words of Werkzeug's and WTForms' own English pages
and messages must not show either.
"""

import re
from datetime import timedelta
from html import unescape
from pathlib import Path

import pytest
from babel.messages.extract import extract_from_dir
from sqlmodel import select, update

from survey.core import audit
from survey.core.receipts import issue_receipt
from survey.models import AuditEvent, Counter, Response, utcnow
from tests.factories import add_sipas, verdict_mix
from tests.helpers import sign_in

ROOT = Path(__file__).resolve().parent.parent
#: English that may never reach a Vietnamese page: raw codes, Werkzeug's and WTForms' words.
ENGLISH_ONLY = ["province-admin", "unit-manager", "rotate-token", "reset-password", "off-hours",
                "repeated-pattern", "answered in", "This field is required", "Field must be", "Not Found",
                "Internal Server Error", "Method Not Allowed", "Forbidden", "(UTC)"]
#: Messages that read the same in both languages (names, codes, formats; QĐ 766 and TT 01 are the
#: Vietnamese names of legal documents, which English pages keep too).
SAME_IN_BOTH = {"Hài Lòng", "API", "CSV", "XLSX", "QR", "A4", "A5", "QĐ 766", "TT 01"}


def english_messages() -> set[str]:
    """Return the interface messages of the source, as `pybabel extract -F babel.cfg` finds them."""
    method_map = [("survey/**.py", "python"), ("forms/**.py", "python"), ("templates/**.html", "jinja2")]
    found = set()
    for _file, _line, message, _comments, _context in extract_from_dir(
        str(ROOT), method_map, keywords={"_": None, "_l": None, "gettext": None, "lazy_gettext": None,
                                         "ngettext": (1, 2)}):
        for text in message if isinstance(message, tuple) else (message,):
            if text and "%(" not in text and len(text.split()) >= 2 and text not in SAME_IN_BOTH:
                found.add(text.replace("%%", "%"))
    return found


MESSAGES = english_messages()


def visible(html: str) -> str:
    """Return what a reader sees or hears of a page: its text and its labels, without markup."""
    html = re.sub(r"<(script|style)\b.*?</\1>", " ", html, flags=re.S)
    labels = re.findall(r'(?:aria-label|title|placeholder|alt)="([^"]*)"', html)
    text = re.sub(r"<[^>]+>", " ", html)
    return " ".join(unescape(" ".join([text, *labels])).split())


def english_left(html: str) -> list[str]:
    """Return the English interface texts a Vietnamese page still shows."""
    seen = visible(html)
    left = [message for message in MESSAGES if re.search(rf"(?<!\w){re.escape(message)}(?!\w)", seen)]
    return left + [word for word in ENGLISH_ONLY if word in seen]


def test_the_walk_knows_english_when_it_sees_it(client, province):
    assert len(MESSAGES) > 200
    assert "Page not found" in english_left(client.get("/manage/nope?lang=en").text)
    assert english_left(client.get("/manage/nope?lang=vi").text) == []


@pytest.fixture
def walked(app, client, session, province):
    """Sign the administrator in over a province with scores, flags, an audit trail and a receipt."""
    verdict_mix(session, province)
    add_sipas(session, province, "D1", n=3, satisfied=2, when=utcnow() - timedelta(days=1), flagged=2)
    # As the survey stores a form answered too fast (survey.web.submission.suspicion).
    session.execute(update(Response).where(Response.suspicious)
                    .values(suspicious_reason="answered in 3 s, under the 17 s minimum"))
    counter = session.get(Counter, province.counters["H-01"].id)
    for action in ("create", "rename", "rotate-token", "deactivate", "activate"):
        audit.record(session, province.users["admin"].id, action, counter, None, audit.snapshot(counter))
    with app.test_request_context():
        receipt = issue_receipt(session, unit=province.units["H-01"], service=province.services["1.001193"],
                                dossier_code="H-01-2026-0001")
    session.commit()
    assert session.exec(select(AuditEvent)).first() is not None
    sign_in(client, "admin")
    return {"receipt": f"/r/{receipt}", "counter": counter.id, "unit": province.units["H-01"].id}


def test_every_page_of_the_vietnamese_interface_is_in_vietnamese(client, province, walked):
    pages = [
        "/", "/manage/", "/manage/unit/P", "/manage/unit/H", "/manage/unit/H-01", "/manage/unit/D1/report",
        "/admin/", "/admin/users", "/admin/api-keys", "/admin/audit", "/admin/flags",
        f"/admin/units/{walked['unit']}", f"/admin/counters/{walked['counter']}",
        f"/admin/counters/{walked['counter']}/poster", f"/admin/units/{walked['unit']}/posters",
        "/c/token-d1-0123456789", "/c/token-d1-0123456789/thanks", walked["receipt"], "/k/enrol",
        "/manage/unit/NOPE", "/manage/nope", "/admin/nope", "/admin/units/99999", "/nope", "/c/NOPE42",
    ]
    for path in pages:
        page = client.get(path)
        assert page.status_code in (200, 404), (path, page.status_code)
        assert english_left(page.text) == [], path
    # The sign-in page and a form's own validation messages, as someone who is not signed in sees them.
    client.post("/logout")
    assert english_left(client.get("/login").text) == []
    refused = client.post("/login", data={"username": "", "password": ""})
    assert "Vui lòng điền mục này." in refused.text and english_left(refused.text) == []


def test_validation_messages_and_flag_reasons_are_vietnamese(client, province, walked):
    client.post("/admin/users", data={"username": "lan", "password": "short", "role": "viewer",
                                      "unit": str(province.units["D1"].id)})
    page = client.get("/admin/users").text
    assert "Mật khẩu cần từ 10 đến 200 ký tự." in page and english_left(page) == []
    flags = client.get("/admin/flags").text
    assert "trả lời trong 3 giây, dưới mức tối thiểu 17 giây: 2" in visible(flags)
    audit_page = client.get("/admin/audit").text
    assert "cấp đường liên kết khảo sát mới" in audit_page
    assert "Quản trị cấp tỉnh" in client.get("/admin/users").text
