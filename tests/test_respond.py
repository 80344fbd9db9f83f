"""The counter survey over HTTP: render, validate, store exactly once, refuse bad links."""

import re

import pytest
from sqlalchemy import func
from sqlmodel import select

from survey.db import get_engine
from survey.models import Answer, Counter, Response, Tally, TallyPending, Unit, Webhook, WebhookDelivery
from tests.helpers import D1, aged_ticket, answers, checked, hidden, statements_sent


def responses(session) -> list[Response]:
    session.rollback()  # a new snapshot: see what the server committed since
    return session.exec(select(Response).order_by(Response.id)).all()


def test_survey_page_in_vietnamese_and_english(client, province):
    page = client.get(D1).text
    assert "<h1>Khảo sát sự hài lòng về sự phục vụ hành chính</h1>" in page
    assert "<legend>A. Tiếp cận dịch vụ</legend>" in page
    assert page.count('type="radio"') == 17 * 6
    assert ">Không có ý kiến</span>" in page
    assert "Đăng ký khai sinh</option>" in page  # the unit's procedures
    assert "<summary>Thông tin về Ông/Bà (không bắt buộc)</summary>" in page
    assert 'lang="vi"' in page and "Gửi đánh giá" in page
    english = client.get(D1 + "?lang=en").text
    assert "<h1>Satisfaction with administrative services</h1>" in english
    assert ">No opinion</span>" in english and ">Send</button>" in english


def test_answered_form_is_stored_once_and_redirects_to_thanks(app, client, session, province):
    data = answers() | {"E1": "0", "OVERALL": "4", "service": str(province.services["1.001193"].id)}
    data |= {"ticket": aged_ticket(app), "comment": "  Cán bộ nhiệt tình  ", "gender": "female",
             "age_band": "35-49"}
    first = client.post(D1, data=data)
    assert (first.status_code, first.location) == (303, "/c/token-d1-0123456789/thanks")
    retry = client.post(D1, data=data)  # refresh, back-and-resubmit or a network retry
    assert (retry.status_code, retry.location) == (303, first.location)
    assert "Xin cảm ơn" in client.get(first.location).text
    [row] = responses(session)
    assert (row.channel, row.counter_id, row.unit_id) == (
        "counter-qr", province.counters["D1"].id, province.units["D1"].id
    )
    assert (row.service_id, row.comment, row.gender, row.age_band, row.occupation) == (
        province.services["1.001193"].id, "Cán bộ nhiệt tình", "female", "35-49", None
    )
    assert (row.answered_mask, row.satisfied_mask) == ((1 << 17) - 1 - (1 << 13), (1 << 17) - 1 - (1 << 13))
    assert row.suspicious is False and 119 <= row.fill_seconds <= 125
    assert re.fullmatch(r"[0-9a-f]{32}", row.client_hash) and "127.0.0.1" not in row.client_hash
    table = Answer.__table__
    stored = session.execute(select(table.c.v14, table.c.v17).where(table.c.response_id == row.id)).one()
    assert stored == (0, 4)


def test_missing_answers_are_explained_beside_the_item_and_answers_kept(app, client, session, province):
    data = answers() | {"ticket": aged_ticket(app), "comment": "Chờ lâu", "B2": "2"}
    del data["C1"], data["OVERALL"]
    page = client.post(D1, data=data)
    assert page.status_code == 422
    html = page.text
    assert html.count('<p class="error" id="C1-error">Vui lòng chọn một câu trả lời.</p>') == 1
    assert '<p class="error" id="OVERALL-error">' in html and 'aria-describedby="C1-error"' in html
    assert "Vui lòng xem lại 2 câu" in html and 'href="#q-C1"' in html
    assert (checked(html, "B2"), checked(html, "A1"), checked(html, "C1")) == ("2", "5", None)
    assert "\nChờ lâu</textarea>" in html
    assert hidden(html, "ticket") == data["ticket"]  # same idempotency key on the next try
    assert responses(session) == []


def test_comment_length_is_limited(app, client, session, province):
    data = answers() | {"ticket": aged_ticket(app), "comment": "x" * 1001}
    page = client.post(D1, data=data)
    assert page.status_code == 422
    assert "Vui lòng rút gọn góp ý trong 1000 ký tự." in page.text
    data["comment"] = "x" * 1000
    assert client.post(D1, data=data).status_code == 303


@pytest.mark.parametrize("value", ["6", "abc", "-1"])
def test_values_outside_the_scale_are_refused(app, client, session, province, value):
    data = answers() | {"ticket": aged_ticket(app), "A1": value}
    assert client.post(D1, data=data).status_code == 422
    assert responses(session) == []


def test_unknown_token_gets_a_helpful_404(client, province):
    for url in ("/c/no-such-token", "/c/no-such-token/thanks"):
        page = client.get(url)
        assert page.status_code == 404
        assert "Mã QR của quầy có thể đã được thay" in page.text


@pytest.mark.parametrize("closed", ["counter", "unit"])
def test_inactive_counter_or_unit_shows_a_polite_closed_page(app, client, session, province, closed):
    counter = session.get(Counter, province.counters["D1"].id)
    target = counter if closed == "counter" else session.get(Unit, counter.unit_id)
    target.active = False
    session.commit()
    for response in (client.get(D1), client.post(D1, data=answers() | {"ticket": aged_ticket(app)})):
        assert response.status_code == 200
        assert "Khảo sát tại quầy này hiện không mở" in response.text
    assert responses(session) == []


def test_honeypot_and_fast_answers_are_stored_flagged(app, client, session, province):
    client.post(D1, data=answers() | {"ticket": aged_ticket(app), "website": "http://spam.example"})
    client.post(D1, data=answers() | {"ticket": aged_ticket(app, seconds=3)})
    bot, fast = responses(session)
    assert (bot.suspicious, bot.suspicious_reason) == (True, "honeypot field filled")
    assert fast.suspicious is True
    seconds = int(re.fullmatch(r"answered in (\d+) s, under the 17 s minimum", fast.suspicious_reason)[1])
    assert 3 <= seconds < 17  # a stalled request may take longer, never below the ticket's age
    assert fast.satisfied_mask == (1 << 17) - 1  # kept whole, never dropped


def test_forged_ticket_keeps_answers_and_asks_again(app, client, session, province):
    data = answers() | {"ticket": aged_ticket(app)[:-3] + "abc"}
    page = client.post(D1, data=data)
    assert page.status_code == 422
    assert "Câu trả lời của Ông/Bà vẫn được giữ nguyên" in page.text
    assert checked(page.text, "A1") == "5"
    fresh = hidden(page.text, "ticket")
    assert fresh != data["ticket"]
    assert responses(session) == []
    assert client.post(D1, data=data | {"ticket": fresh}).status_code == 303


def test_the_demo_landing_page_links_to_the_counter_survey(app, client, province):
    app.config["DEMO"] = True
    assert f'href="{D1}"' in client.get("/").text


def test_two_citizens_make_two_responses(session, app, client, province):
    """Two citizens, two responses: the database holds exactly what was sent."""
    for value in ("5", "2"):
        client.post(D1, data=answers(value=int(value)) | {"ticket": aged_ticket(app)})
    assert session.exec(select(func.count()).select_from(Response)).one() == 2
    assert [r.satisfied_mask for r in responses(session)] == [(1 << 17) - 1, 0]


def test_a_counter_can_ask_the_quick_rating_with_reasons(app, client, session, province):
    counter = session.get(Counter, province.counters["D1"].id)
    counter.instrument_code = "quick-3"
    session.commit()
    page = client.get(D1).text
    assert page.count('type="checkbox"') == 6 and "Chờ đợi lâu" in page
    data = {"RATING": "1", "REASONS": ["1", "3"], "ticket": aged_ticket(app, seconds=10)}
    assert client.post(D1, data=data).status_code == 303
    [row] = responses(session)
    table = Answer.__table__
    stored = session.execute(select(table.c.v01, table.c.v02).where(table.c.response_id == row.id)).one()
    assert stored == (1, 0b101)
    assert (row.answered_mask, row.satisfied_mask, row.suspicious) == (1, 0, False)


def test_a_submission_counts_the_tally_queue_in_its_own_write_and_folds_once_answered(app, client, session,
                                                                                     province):
    app.config["TALLY_FOLD_AT"] = 1
    first = client.post(D1, data=answers() | {"ticket": aged_ticket(app)})
    first.close()  # one waits: not more than TALLY_FOLD_AT, no fold
    assert session.scalar(select(func.count()).select_from(TallyPending)) == 1
    assert session.scalar(select(func.count()).select_from(Tally)) == 0
    session.commit()
    second = client.post(D1, data=answers() | {"ticket": aged_ticket(app)})
    assert second.status_code == 303
    second.close()  # two wait: the fold runs once the answer is sent
    session.commit()
    assert session.scalar(select(func.count()).select_from(TallyPending)) == 0
    assert session.scalar(select(func.count()).select_from(Tally)) > 0


def statements(sent: list[tuple[str, object]]) -> list[str]:
    """Return the recorded statements on one line each, BEGIN and COMMIT left out."""
    return [" ".join(statement.split()) for statement, _ in sent
            if not statement.lstrip().upper().startswith(("BEGIN", "COMMIT"))]


def test_a_counter_submission_reads_once_for_its_counter_and_writes_once(app, client, session, province):
    engine = get_engine(app)
    watching_h = Webhook(unit_id=province.units["H"].id, url="https://hooks.example/h",
                         events="response.stored", secret="s" * 32)
    session.add(watching_h)
    session.commit()
    # The first submission of a process also reads the instrument version once (kept per process).
    assert client.post(D1, data=answers() | {"ticket": aged_ticket(app)}).status_code == 303
    with statements_sent(engine) as recorded:
        posted = client.post(D1, data=answers() | {"ticket": aged_ticket(app)})
    assert posted.status_code == 303
    sent, postgres = statements(recorded), engine.dialect.name == "postgresql"
    # The counter read (with the queue's length and the webhook question), the burst check's read, the
    # inserts: one statement on PostgreSQL, two on SQLite. A webhook on another subtree asks nothing more.
    assert len(sent) == (3 if postgres else 4), "\n".join(statement[:150] for statement in sent)
    assert "FROM webhook" in sent[0] and "tally_pending" in sent[0]
    assert not any("webhook_delivery" in statement for statement in sent[1:])
    watching_all = Webhook(unit_id=province.root.id, url="https://hooks.example/p",
                           events="response.stored", secret="s" * 32)
    session.add(watching_all)
    session.commit()
    with statements_sent(engine) as recorded:
        assert client.post(D1, data=answers() | {"ticket": aged_ticket(app)}).status_code == 303
    assert any("INSERT INTO webhook_delivery" in statement for statement in statements(recorded))
    session.rollback()
    deliveries = session.exec(select(WebhookDelivery)).all()
    assert [(row.webhook_id, row.event) for row in deliveries] == [(watching_all.id, "response.stored")]
    assert len(responses(session)) == 3
    assert session.scalar(select(func.count()).select_from(Answer)) == 3
