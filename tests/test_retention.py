"""Data retention: `flask purge` blanks old comments and technical fields in batches; scores stay the same."""

from datetime import UTC, date, datetime

import pytest
from sqlalchemy import text
from sqlmodel import func, select

from survey.core import retention
from survey.db import get_engine
from survey.models import Response, Tally
from survey.scores import Settings, make_filters, score_scope, subtree_units, tally, trend
from tests import factories
from tests.helpers import app_with, events, sign_in

NOW = datetime(2026, 7, 20, 5, 0, tzinfo=UTC)
OLD = datetime(2024, 3, 10, 3, 0, tzinfo=UTC)


@pytest.fixture
def history(session, province):
    """Responses of March 2024 (over 24 months old) and July 2026, each with a comment and technical data."""
    factories.verdict_mix(session, province)
    factories.add_sipas(session, province, "D1", n=45, satisfied=30, when=OLD)
    factories.add_sipas(session, province, "H-01", n=25, satisfied=25, when=OLD, flagged=3)
    session.connection().execute(text(
        "UPDATE response SET comment = 'Góp ý số ' || CAST(id AS VARCHAR(12)), client_hash = 'abcd1234', "
        "fill_seconds = 40 + id"))
    session.commit()
    return province


def everything_scored(app, session, province) -> list:
    """Return the score tables and trends of several periods, and the stored tally, as plain data."""
    with app.app_context():
        tally.fold(get_engine(app))
        settings = Settings.from_config(app.config)
        tables = [score_scope(session, unit=province.root, period=period, level="all").to_dict()
                  for period in ("2024", "2024-03", "2026-07", "2024-01-01..2026-07-31")]
        units = subtree_units(session, province.root)
        trends = trend(session, units, make_filters(session, "2024-01-01..2026-07-31"), settings)
    stored = [row.model_dump() for row in session.exec(select(Tally)).all()]
    return [tables, trends, sorted(stored, key=repr)]


def test_purge_blanks_old_fields_in_batches_and_keeps_every_score(app, session, history):
    before = everything_scored(app, session, history)
    with app.app_context():
        result = retention.purge(get_engine(app), app.config, now=NOW, batch=7)
    assert result.blanked == {"comments": 70, "technical": 70}
    # Local midnight starting 20 July 2024.
    assert result.cutoffs["comments"] == datetime(2024, 7, 19, 17, 0, tzinfo=UTC)
    session.commit()  # end the read snapshot taken before the purge
    session.expire_all()
    rows = session.exec(select(Response)).all()
    old = [r for r in rows if r.submitted_at.replace(tzinfo=UTC) < datetime(2025, 1, 1, tzinfo=UTC)]
    new = [r for r in rows if r not in old]
    assert len(old) == 70 and len(new) == 170
    assert all(r.comment is None and r.client_hash is None and r.fill_seconds is None for r in old)
    assert all(r.comment and r.client_hash == "abcd1234" and r.fill_seconds for r in new)
    assert all(r.suspicious_reason == "too fast" for r in old if r.suspicious)
    assert everything_scored(app, session, history) == before
    [event] = events(session, "purge", "response")
    assert '"comments_blanked": 70' in event.after
    # A second purge finds nothing and says so in the log.
    with app.app_context():
        again = retention.purge(get_engine(app), app.config, now=NOW)
    assert again.blanked == {"comments": 0, "technical": 0}


def test_zero_months_keeps_for_ever_and_settings_are_separate(app, session, history):
    app.config.update(RETENTION_COMMENT_MONTHS=0, RETENTION_TECHNICAL_MONTHS=1)
    with app.app_context():
        result = retention.purge(get_engine(app), app.config, now=datetime(2026, 9, 1, 5, tzinfo=UTC))
    assert result.cutoffs["comments"] is None
    assert result.blanked == {"comments": 0, "technical": 240}
    session.commit()  # end the read snapshot taken before the purge
    session.expire_all()
    assert all(r.comment for r in session.exec(select(Response)).all())


@pytest.mark.parametrize(("day", "months", "expected"), [
    (date(2026, 7, 20), 24, date(2024, 7, 20)),
    (date(2026, 3, 31), 1, date(2026, 2, 28)),
    (date(2028, 2, 29), 12, date(2027, 2, 28)),
    (date(2026, 1, 15), 13, date(2024, 12, 15)),
])
def test_months_before(day, months, expected):
    assert retention.months_before(day, months) == expected


def test_purge_command_and_the_administration_page(app, session, history, runner, client):
    result = runner.invoke(args=["purge", "--batch", "50"])
    assert result.exit_code == 0, result.output
    assert "comments: 70 responses blanked" in result.output
    sign_in(client, "admin")
    page = client.get("/admin/retention").get_data(as_text=True)
    assert "24" in page and "70" in page
    sign_in(client, "district")
    assert client.get("/admin/retention").status_code == 404


def test_a_purge_takes_its_comments_off_the_cached_pages_of_every_app_server(app, session, history, client):
    """Each server process caches page sections; the purge runs in another process (the timer's command)."""
    sign_in(client, "admin")
    old_of_d1 = (Response.unit_id == history.units["D1"].id, Response.submitted_at == OLD)
    comment = f"Góp ý số {session.exec(select(func.max(Response.id)).where(*old_of_d1)).one()}"
    page = "/manage/unit/D1?period=2024-03"
    assert comment in client.get(page).get_data(as_text=True)  # and in this process's cache
    elsewhere = app_with(app, {})
    result = elsewhere.test_cli_runner().invoke(args=["purge"])
    get_engine(elsewhere).dispose()
    assert "comments: 70 responses blanked" in result.output, result.output
    assert comment not in client.get(page).get_data(as_text=True)
