"""Alerts and digests go through a real local SMTP server and are read back: subjects, recipients, figures."""

import re
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlmodel import select

from survey.models import AlertRule, KioskDevice, Notice, User
from survey.notify import alerts, digests
from survey.periods import last_twelve_months
from survey.scores import cached_score_scope
from tests import factories
from tests.helpers import events, make_kiosk, sign_in
from tests.server import free_port, smtp_server

#: 10:00 local time on 15 July 2026, when factories.JULY's responses (03:00 UTC) came in.
NOW = datetime(2026, 7, 15, 10, 0, tzinfo=UTC)
JUNE = datetime(2026, 6, 10, 3, 0, tzinfo=UTC)


def vi_percent(fraction: float) -> str:
    """Format a share as the mails do in Vietnamese (82,66%)."""
    return f"{100 * fraction:.2f}".replace(".", ",") + "%"


@pytest.fixture
def inbox(app):
    """Point the app's mail at a real SMTP server on 127.0.0.1; yield what it receives."""
    with smtp_server() as (port, received):
        app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=port, MAIL_SECURITY="none",
                          MAIL_SENDER="Hài Lòng <no-reply@hailong.test>")
        yield received


@pytest.fixture
def people(session, province):
    """Give the admin (P), the district manager (H) and the viewer (D1) an address."""
    for name in ("admin", "district", "viewer"):
        province.users[name].email = f"{name}@example.vn"
    session.add_all(province.users.values())
    session.commit()
    return province


def subjects(inbox, address: str) -> list[str]:
    return sorted(message["Subject"] for message in inbox.by_recipient(address))


def run_alerts(app, session, now=NOW):
    with app.app_context():
        return alerts.run(session, now=now)


def test_verdict_and_spike_alerts_reach_the_scopes_that_hold_the_unit_once(app, session, people, inbox):
    factories.verdict_mix(session, people)
    sent = run_alerts(app, session)
    assert sent["verdict"] >= 1 and sent["spike"] == 1
    admin = subjects(inbox, "admin@example.vn")
    assert "[Hài Lòng] Đơn vị D2 chưa đạt mục tiêu trong tháng 2026-07" in admin
    # D2: 30 dissatisfied responses and 5 flagged satisfied ones, all today.
    assert "[Hài Lòng] 35 phiếu không hài lòng hoặc bị gắn cờ hôm nay tại Quầy D2" in admin
    # D2 is outside the district's and the viewer's scopes.
    outside = subjects(inbox, "district@example.vn") + subjects(inbox, "viewer@example.vn")
    assert not any("D2" in subject for subject in outside)
    message = next(m for m in inbox.by_recipient("admin@example.vn") if "D2 chưa đạt" in m["Subject"])
    text = message.get_body(("plain",)).get_content()
    with app.app_context():
        row = cached_score_scope(session, unit=people.units["D2"], period="2026-07", level="self").scope
    assert vi_percent(row["index"]["estimate"]) == "50,00%" and "50,00%" in text
    assert "http://survey.test/manage/unit/D2" in text
    assert message.get_body(("html",)) is not None
    # A second run finds the same facts and sends nothing; every notice is audited.
    count = len(inbox.received)
    assert sum(run_alerts(app, session).values()) == 0
    assert len(inbox.received) == count
    keys = set(session.exec(select(Notice.key)).all())
    assert {"verdict:D2:2026-07", f"spike:{people.counters['D2'].id}:2026-07-15"} <= keys
    assert len(events(session, "notify", "notice")) == len(keys)


def test_a_significant_fall_from_last_month_alerts_the_district_too(app, session, people, inbox):
    factories.add_sipas(session, people, "H-01", n=60, satisfied=60, when=JUNE)
    factories.add_sipas(session, people, "H-01", n=40, satisfied=37)
    run_alerts(app, session)
    district = subjects(inbox, "district@example.vn")
    assert "[Hài Lòng] Chỉ số của Đơn vị H-01 giảm trong tháng 2026-07" in district
    assert not any("chưa đạt" in s for s in district)  # 37 of 40 is inconclusive, not "not met"
    text = next(m for m in inbox.by_recipient("district@example.vn") if "H-01 giảm" in m["Subject"])
    body = text.get_body(("plain",)).get_content()
    assert "100,00%" in body and "92,50%" in body and "p = 0.0" in body


def test_no_alert_without_a_significant_fall(app, session, people, inbox):
    factories.add_sipas(session, people, "H-01", n=60, satisfied=58, when=JUNE)
    factories.add_sipas(session, people, "H-01", n=40, satisfied=38)
    run_alerts(app, session)
    assert not any("giảm" in s for s in subjects(inbox, "district@example.vn"))


def test_a_silent_kiosk_alerts_once_per_silence(app, session, people, inbox):
    make_kiosk(session, people.counters["H-02"])
    kiosk = session.exec(select(KioskDevice)).one()
    kiosk.last_seen_at = NOW - timedelta(hours=30)
    session.add(kiosk)
    session.commit()
    assert run_alerts(app, session)["kiosk"] == 1
    assert "[Hài Lòng] Máy đánh giá Tab mất liên lạc 30 giờ" in subjects(inbox, "district@example.vn")
    assert run_alerts(app, session)["kiosk"] == 0
    kiosk.last_seen_at = NOW - timedelta(hours=2)  # back in contact: not silent
    session.add(kiosk)
    session.commit()
    assert run_alerts(app, session)["kiosk"] == 0
    assert run_alerts(app, session, now=NOW + timedelta(hours=30))["kiosk"] == 1


def test_a_comment_with_a_listed_word_alerts_and_a_scope_rule_can_turn_kinds_off(app, session, people, inbox):
    session.add(AlertRule(unit_id=people.root.id, words="phiền hà\nCHỜ QUÁ LÂU", spike_count=0))
    session.commit()
    factories.verdict_mix(session, people)
    sent = run_alerts(app, session)
    assert sent["comment"] == 1 and sent["spike"] == 0
    message = next(m for m in inbox.by_recipient("admin@example.vn") if "góp ý" in m["Subject"])
    assert message["Subject"] == "[Hài Lòng] Một góp ý tại Đơn vị D2 có nhắc đến: chờ quá lâu"
    assert "Phải chờ quá lâu" in message.get_body(("plain",)).get_content()


def test_users_who_unsubscribed_get_no_alerts(app, session, people, inbox):
    people.users["admin"].alerts = False
    session.add(people.users["admin"])
    session.commit()
    factories.verdict_mix(session, people)
    run_alerts(app, session)
    assert inbox.by_recipient("admin@example.vn") == []


def digest(app, session, period="daily", today=date(2026, 7, 16)):
    with app.app_context():
        return digests.run(session, period, today=today)


def test_the_daily_digest_holds_the_figures_of_the_page(app, session, people, inbox, client):
    factories.verdict_mix(session, people)
    people.users["admin"].digest = "daily"
    people.users["district"].digest = "weekly"
    session.add_all(people.users.values())
    session.commit()
    assert digest(app, session)["sent"] == 1
    [message] = inbox.by_recipient("admin@example.vn")
    assert [r for _, rs, _ in inbox.received for r in rs] == ["admin@example.vn"]
    assert message["Subject"] == "[Hài Lòng] Bản tin hằng ngày của Tỉnh Thử nghiệm, 15/07/2026"
    text = message.get_body(("plain",)).get_content()
    with app.app_context():
        table = cached_score_scope(session, unit=people.root, period=last_twelve_months(date(2026, 7, 15)))
    index = vi_percent(table.scope["index"]["estimate"])
    assert index in text
    sign_in(client, "admin")
    page = client.get(f"/manage/?period={table.period['key']}").get_data(as_text=True)
    assert index in page
    assert "- Đạt mục tiêu: 1\n" in text and "- Chưa đạt mục tiêu: 1\n" in text
    assert "Phải chờ quá lâu" in text and "Cán bộ rất nhiệt tình" in text
    assert re.search(r"Đơn vị D2 \(D2\): Chưa đủ dữ liệu → Chưa đạt mục tiêu", text)
    # Once per window.
    assert digest(app, session)["skipped"] == 1
    assert len(inbox.received) == 1


def test_weekly_digest_and_unsubscribe_link(app, session, people, inbox, client):
    factories.verdict_mix(session, people)
    people.users["district"].digest = "weekly"
    session.add(people.users["district"])
    session.commit()
    assert digest(app, session, "weekly", date(2026, 7, 20))["sent"] == 1
    [message] = inbox.by_recipient("district@example.vn")
    assert message["Subject"] == "[Hài Lòng] Bản tin hằng tuần của Đơn vị H, 13/07/2026–19/07/2026"
    link = re.search(r"http://survey\.test(/unsubscribe/\S+)", message.get_body(("plain",)).get_content())[1]
    assert message["List-Unsubscribe"].strip() == f"<http://survey.test{link}>"
    page = client.get(link)
    assert page.status_code == 200 and "Ngừng nhận bản tin" in page.get_data(as_text=True)
    assert session.get(User, people.users["district"].id).digest == "weekly"  # a GET changes nothing
    assert client.post(link).status_code == 303
    session.commit()  # end the read snapshot taken before the purge
    session.expire_all()
    assert session.get(User, people.users["district"].id).digest == "none"
    assert len(events(session, "unsubscribe", "app_user")) == 1
    assert digest(app, session, "weekly", date(2026, 7, 27)) == {}
    assert len(inbox.received) == 1


@pytest.mark.parametrize("token", ["nonsense", "eyJ1c2VyIjoxLCJjaG9pY2UiOiJkaWdlc3QifQ.forged"])
def test_a_bad_unsubscribe_token_is_404(client, token):
    assert client.get(f"/unsubscribe/{token}").status_code == 404
    assert client.post(f"/unsubscribe/{token}").status_code == 404


def test_digest_command(runner, app, session, people, inbox):
    people.users["viewer"].digest = "daily"
    session.add(people.users["viewer"])
    session.commit()
    result = runner.invoke(args=["digest", "--period", "daily", "--today", "2026-07-16"])
    assert result.exit_code == 0, result.output
    assert "Digests sent: 1" in result.output
    assert len(inbox.by_recipient("viewer@example.vn")) == 1


def test_a_user_sets_their_own_address_and_digest(app, session, province, client):
    sign_in(client, "viewer")
    page = client.get("/account/notifications")
    assert page.status_code == 200 and "Địa chỉ thư điện tử" in page.get_data(as_text=True)
    bad = client.post("/account/notifications", data={"email": "not an address", "digest": "daily"})
    assert bad.status_code == 200 and "ví dụ ten@donvi.gov.vn" in bad.get_data(as_text=True)
    assert client.post("/account/notifications", data={"email": "no", "digest": "hourly"}).status_code == 200
    done = client.post("/account/notifications", data={"email": " lan@example.vn ", "digest": "weekly"})
    assert done.status_code == 303
    session.commit()
    session.expire_all()
    user = session.get(User, province.users["viewer"].id)
    assert (user.email, user.digest, user.alerts) == ("lan@example.vn", "weekly", False)
    assert len(events(session, "notifications", "app_user")) == 1


def test_signed_out_users_are_sent_to_sign_in(client):
    assert client.get("/account/notifications").status_code == 302


def test_an_administrator_sets_a_scope_rule_that_its_subtree_inherits(app, session, province, client):
    sign_in(client, "district")
    page = client.get(f"/admin/units/{province.units['H'].id}").get_data(as_text=True)
    assert "Lưu quy tắc cảnh báo" in page
    posted = client.post(f"/admin/units/{province.units['H'].id}/alerts",
                         data={"verdict": "y", "spike_count": "3", "kiosk_silent_hours": "0",
                               "words": "phiền hà\n bồi dưỡng "})
    assert posted.status_code == 303
    assert client.post(f"/admin/units/{province.units['H'].id}/alerts",
                       data={"spike_count": "-1", "kiosk_silent_hours": "0"}).status_code == 303
    # Outside the district's scope: 404.
    assert client.post(f"/admin/units/{province.units['D1'].id}/alerts",
                       data={"spike_count": "1", "kiosk_silent_hours": "0"}).status_code == 404
    session.commit()
    [rule] = session.exec(select(AlertRule)).all()
    assert (rule.unit_id, rule.spike_count, rule.kiosk_silent_hours, rule.words) == (
        province.units["H"].id, 3, 0, "phiền hà\n bồi dưỡng")
    with app.app_context():
        inherited = alerts.rule_for(province.units["H-01"], alerts.rules(session))
        default = alerts.rule_for(province.units["D1"], alerts.rules(session))
    assert inherited.spike_count == 3 and alerts.words_of(inherited) == ["phiền hà", "bồi dưỡng"]
    assert default.spike_count == 5 and default.kiosk_silent_hours == 24
    assert len(events(session, "create", "alert_rule")) == 1


def test_alerts_command(runner, session, people, inbox):
    factories.verdict_mix(session, people)
    result = runner.invoke(args=["alerts"])
    assert result.exit_code == 0, result.output
    assert result.output.startswith("Alerts sent: ")
    assert runner.invoke(args=["alerts"]).output == "Alerts sent: none.\n"


def test_a_mail_server_that_is_down_leaves_the_alert_to_the_next_run(app, session, people):
    factories.verdict_mix(session, people)
    app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=free_port(), MAIL_SECURITY="none")
    with pytest.raises(ConnectionRefusedError):
        run_alerts(app, session)
    session.commit()
    assert session.exec(select(Notice)).all() == []
    assert events(session, "notify", "notice") == []
    with smtp_server() as (port, inbox):
        app.config.update(MAIL_PORT=port)
        assert run_alerts(app, session)["verdict"] >= 1
    assert inbox.by_recipient("admin@example.vn")
