"""The demo province: realistic shape, consistent masks, office hours, repeatable growth."""

from pathlib import Path

from flask import Flask
from sqlalchemy import func, text
from sqlmodel import select

from survey import config
from survey.commands import demo
from survey.core.responses import record_response
from survey.db import get_engine
from survey.instruments.catalogue import row_for
from survey.models import Counter, Response, Service, Tally, TallyPending, Unit, User
from survey.scores import tally
from tests.helpers import stored_respondents


def test_demo_builds_a_province_and_a_year_of_responses(app, session):
    engine = get_engine(app)
    result = demo.seed(engine, responses=3000, seed=7)
    assert result.responses == 3000
    units = session.exec(select(Unit)).all()
    kinds = {kind: sum(u.kind == kind for u in units) for kind in {u.kind for u in units}}
    assert kinds == {"province": 1, "centre": 1, "branch": 3, "department": 10, "ward": 6, "commune": 16}
    by_code = {u.code: u for u in units}
    # Two tiers: communes and wards sit right under the province, branches under the centre.
    assert {by_code[code].parent_id for code in ("X-THANHTUNG", "P-BENTHUY", "STP")} == {by_code["SH"].id}
    assert by_code["CN01"].parent_id == by_code["TTPVHCC"].id
    assert session.exec(select(func.count()).select_from(Counter)).one() == 6 + 3 * 3 + 10 * 2 + 22 * 3
    assert session.exec(select(func.count()).select_from(Service)).one() >= 40
    assert {u.username for u in session.exec(select(User)).all()} == {"manager", "admin"}
    with engine.connect() as connection:
        rows = dict(connection.execute(text("SELECT channel, count(*) FROM response GROUP BY channel")).all())
        assert set(rows) == {"counter-qr", "kiosk", "receipt", "paper"}
        assert rows["counter-qr"] > rows["paper"]
        bad = connection.execute(text(
            "SELECT count(*) FROM response WHERE satisfied_mask & answered_mask != satisfied_mask"
        )).scalar()
        assert bad == 0
        assert connection.execute(text("SELECT count(*) FROM answer")).scalar() == 3000
        assert connection.execute(text("SELECT count(*) FROM dossier")).scalar() == rows["receipt"]


def test_demo_answers_look_like_citizens(app, session):
    engine = get_engine(app)
    demo.seed(engine, responses=4000, seed=11)
    responses = session.exec(select(Response).where(Response.channel == "counter-qr")).all()
    # Factor E (bits 13–15) is often "no opinion"; factor A (bits 0–2) almost never.
    e_missing = sum(not (r.answered_mask >> 13) & 1 for r in responses) / len(responses)
    a_missing = sum(not r.answered_mask & 1 for r in responses) / len(responses)
    assert 0.25 < e_missing < 0.5 and a_missing < 0.06
    satisfied = sum(bin(r.satisfied_mask).count("1") for r in responses)
    answered = sum(bin(r.answered_mask).count("1") for r in responses)
    assert 0.75 < satisfied / answered < 0.95
    # Office hours in Vietnam (UTC+7): 7:30–17:00 local is 0:30–10:00 UTC.
    hours = {r.submitted_at.hour for r in responses}
    assert hours <= set(range(0, 10)) and len(hours) >= 8
    assert all(r.submitted_at.weekday() < 6 for r in responses[:500])


def test_demo_grows_when_run_again_and_keeps_one_structure(app, session):
    engine = get_engine(app)
    demo.seed(engine, responses=500, seed=1)
    demo.seed(engine, responses=700, seed=2)
    assert session.exec(select(func.count()).select_from(Response)).one() == 1200
    assert session.exec(select(func.count()).select_from(Unit)).one() == 37


def test_citizens_can_answer_after_the_demo_and_the_tally_counts_everything(app, session):
    engine = get_engine(app)
    demo.seed(engine, responses=300, seed=3)
    assert session.exec(select(func.count()).select_from(TallyPending)).one() == 0
    counter = session.exec(select(Counter)).first()
    with app.app_context():
        row = row_for(session, "quick-3")
        response, created = record_response(session, instrument_row=row, unit_id=counter.unit_id,
                                             counter_id=counter.id, channel="kiosk", values={"RATING": 3},
                                             idempotency_key="after-demo")
    session.commit()
    # The bulk load's explicit ids moved the id sequence on (PostgreSQL), so this insert is a new row.
    assert created and response.id == 301
    # The load turned the queueing trigger off only inside its own transaction.
    assert session.exec(select(TallyPending.response_id)).all() == [301]
    assert stored_respondents(session, "counter") == 300


def test_the_demo_tally_equals_counting_every_response_again(app, session):
    engine = get_engine(app)
    demo.seed(engine, responses=2500, seed=5)

    def stored():
        rows = session.exec(select(Tally)).all()
        session.commit()
        return {(r.grain, r.instrument_id, r.unit_id, r.part_id, r.month, r.channel, r.suspicious): r.sums
                for r in rows}

    seeded = stored()
    assert len(seeded) > 100
    assert {key[0] for key in seeded} == {"counter", "service", "unit", "dossier"}  # every grain, in bulk
    tally.rebuild(engine)
    assert stored() == seeded


def test_demo_command_prints_both_accounts_and_turns_on_the_demo_home(app, runner, tmp_path):
    result = runner.invoke(args=["demo", "--responses", "200", "--password", "s3cret-demo"])
    assert result.exit_code == 0, result.output
    assert "200 responses" in result.output
    assert "Sign in as manager (unit manager, the whole province) or admin (administrator), " \
           "both with password s3cret-demo" in result.output
    again = runner.invoke(args=["demo", "--if-empty"])
    assert "has data already" in again.output and "admin (administrator)" in again.output
    assert (Path(app.instance_path) / "demo").exists()
    served = Flask("survey", instance_path=app.instance_path)  # a server of this instance
    config.load(served, {"TESTING": True, "SECRET_KEY": "x"})
    elsewhere = Flask("survey", instance_path=str(tmp_path / "elsewhere"))
    config.load(elsewhere, {"TESTING": True, "SECRET_KEY": "x"})
    assert (served.config["DEMO"], elsewhere.config["DEMO"]) == (True, False)


def test_the_national_demo_is_refused_on_a_database_holding_the_province_demo(app, runner, session):
    assert runner.invoke(args=["demo", "--responses", "100"]).exit_code == 0
    units = session.exec(select(func.count()).select_from(Unit)).one()
    responses = session.exec(select(func.count()).select_from(Response)).one()
    result = runner.invoke(args=["demo", "--scale", "national", "--responses", "100"])
    assert result.exit_code == 1
    assert "this database holds the demo province; the demo nation needs an empty database" in result.output
    # Nothing was added to the province in the nation's name.
    assert session.exec(select(func.count()).select_from(Unit)).one() == units
    assert session.exec(select(func.count()).select_from(Response)).one() == responses
