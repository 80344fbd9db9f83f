"""Bad survey posts over HTTP: each is refused with a Vietnamese message and its answers kept, nothing
is stored, nothing answers 500; blank optional choices are stored as not given."""

import pytest
from sqlalchemy import func
from sqlmodel import select

from survey.models import Response
from tests.helpers import D1, aged_ticket, answers, checked, hidden


def count(session) -> int:
    session.rollback()  # a new snapshot: see what the server committed since
    return session.exec(select(func.count()).select_from(Response)).one()


CHOOSE = "Vui lòng chọn một câu trả lời."
INVALID = "Lựa chọn không hợp lệ."
BAD = [
    ({"A1": None}, CHOOSE),  # a missing item
    ({"OVERALL": ""}, CHOOSE),
    ({"A1": "6"}, INVALID),  # out of range
    ({"A1": "-1"}, INVALID),
    ({"A1": "abc"}, INVALID),  # wrong types
    ({"A1": "5.0"}, INVALID),
    ({"A1": ["9", "5"]}, INVALID),  # an item sent twice: the first counts
    ({"comment": "x" * 100_000}, "Vui lòng rút gọn góp ý trong 1000 ký tự."),  # huge comment
    # A forged procedure or fact (no page offers one) is named in the summary, which links to it.
    ({"service": "999999999999"}, 'href="#q-service">'),
    ({"gender": "robot"}, 'href="#q-gender">'),
]


@pytest.mark.parametrize(("change", "message"), BAD)
def test_bad_posts_are_refused_in_vietnamese_keeping_answers(app, client, session, province, change,
                                                           message):
    data = answers() | {"ticket": aged_ticket(app), "comment": "Chờ lâu", "B2": "2", "extra": "ignored"}
    data = {name: value for name, value in (data | change).items() if value is not None}
    page = client.post(D1, data=data)
    assert page.status_code == 422
    assert message in page.text and "Vui lòng xem lại 1 câu" in page.text
    assert checked(page.text, "B2") == "2" and hidden(page.text, "ticket") == data["ticket"]
    assert count(session) == 0


def test_blank_procedure_and_facts_are_stored_as_not_given(app, client, session, province):
    data = answers() | {"ticket": aged_ticket(app), "service": "  ", "gender": " " * 40, "occupation": ""}
    assert client.post(D1, data=data).status_code == 303
    session.rollback()
    [row] = session.exec(select(Response)).all()
    assert (row.service_id, row.gender, row.occupation) == (None, None, None)


def test_a_forged_csrf_token_keeps_the_answers(app, client, session, province):
    app.config.update(WTF_CSRF_ENABLED=True)
    token = hidden(client.get(D1).text, "csrf_token")
    data = answers() | {"ticket": aged_ticket(app), "B1": "3"}
    for forged in ("", "not-a-token", token[:-2] + "xx"):
        page = client.post(D1, data=data | {"csrf_token": forged})
        assert page.status_code == 422 and checked(page.text, "B1") == "3"
        assert "Vui lòng tải lại trang" in page.text or "Trang này đã mở quá lâu" in page.text
    assert count(session) == 0
    assert client.post(D1, data=data | {"csrf_token": token}).status_code == 303
    assert count(session) == 1
