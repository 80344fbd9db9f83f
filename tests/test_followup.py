"""Improvement follow-up: an action on a weak item, its trend before and after, and a real test of change."""

import re
from datetime import UTC, date, datetime

from sqlmodel import select

from scoring import proportion_change
from survey import instruments
from survey.models import ImprovementAction
from survey.web.manage.followup import windows
from tests import factories
from tests.helpers import events, sign_in

MAY = datetime(2026, 5, 12, 3, 0, tzinfo=UTC)


def answers_with(c2: int) -> dict[str, int]:
    """Return SIPAS answers of 5 everywhere but item C2."""
    items = instruments.load("sipas-service").scored_items
    return {item.code: (c2 if item.code == "C2" else 5) for item in items}


def add(session, province, unit, *, c2: int, n: int, when) -> None:
    for _ in range(n):
        factories.add_rated(session, province, unit, "sipas-service", answers_with(c2), when=when)


def test_windows_around_the_action_date():
    before, after = windows(date(2026, 7, 1), 3, today=date(2026, 8, 15))
    assert (before.first, before.last) == (date(2026, 4, 1), date(2026, 6, 30))
    assert (after.first, after.last) == (date(2026, 7, 1), date(2026, 8, 15))
    assert windows(date(2026, 9, 1), 3, today=date(2026, 8, 15))[1] is None


def test_a_manager_records_an_action_and_the_page_tests_the_change(app, session, province, client):
    add(session, province, "H-01", c2=2, n=30, when=MAY)
    add(session, province, "H-01", c2=5, n=10, when=MAY)
    add(session, province, "H-01", c2=5, n=36, when=factories.JULY)
    add(session, province, "H-01", c2=1, n=4, when=factories.JULY)
    sign_in(client, "district")
    page = client.get("/manage/unit/H-01").get_data(as_text=True)
    assert "Đơn vị chưa ghi nhận biện pháp cải thiện nào." in page
    # The weakest item comes first among the choices.
    assert re.search(r'<select[^>]*name="item"[^>]*>\s*<option[^>]*value="C2"', page)
    posted = client.post("/manage/unit/H-01/actions", data={
        "item": "C2", "what": "Niêm yết mẫu tờ khai có hướng dẫn", "who": "Chị Lan", "due_on": "2026-07-01"})
    assert posted.status_code == 303
    [action] = session.exec(select(ImprovementAction)).all()
    assert (action.item_code, action.who, action.due_on) == ("C2", "Chị Lan", date(2026, 7, 1))
    assert len(events(session, "create", "improvement_action")) == 1
    page = client.get("/manage/unit/H-01").get_data(as_text=True)
    section = page[page.index('id="followup"'):]
    change = proportion_change(10, 40, 36, 40)
    assert change.significant
    said = f"Đã cải thiện: tăng 65,0 điểm phần trăm, thay đổi có ý nghĩa thống kê (p = {change.p_value:.4f})"
    assert said in section
    assert "25,00%" in section and "90,00%" in section
    assert "05/2026" in section and "07/2026" in section


def test_no_change_is_said_so_and_viewers_only_read(app, session, province, client):
    add(session, province, "D1", c2=5, n=20, when=MAY)
    add(session, province, "D1", c2=5, n=20, when=factories.JULY)
    session.add(ImprovementAction(unit_id=province.units["D1"].id, item_code="C2", what="Tập huấn",
                                  who="Anh Nam", due_on=date(2026, 7, 1)))
    session.commit()
    sign_in(client, "viewer")
    page = client.get("/manage/unit/D1").get_data(as_text=True)
    assert "Chưa có thay đổi có ý nghĩa thống kê: 0,0 điểm phần trăm (p = 1.0000)" in page
    assert 'name="what"' not in page
    assert client.post("/manage/unit/D1/actions", data={"item": "C2", "what": "x", "who": "y",
                                                        "due_on": "2026-07-01"}).status_code == 404


def test_bad_input_is_refused_without_a_row(app, session, province, client):
    sign_in(client, "district")
    for data in ({"item": "ZZ", "what": "x", "who": "y", "due_on": "2026-07-01"},
                 {"item": "C2", "what": "", "who": "y", "due_on": "2026-07-01"},
                 {"item": "C2", "what": "x", "who": "y", "due_on": "01/07/2026"}):
        assert client.post("/manage/unit/H-01/actions", data=data).status_code == 303
    assert client.post("/manage/unit/D1/actions", data={"item": "C2", "what": "x", "who": "y",
                                                        "due_on": "2026-07-01"}).status_code == 404
    assert session.exec(select(ImprovementAction)).all() == []
