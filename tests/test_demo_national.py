"""The national demo: the ministry level over 34 provinces, no districts, a bulk-written year."""

import pytest
from click.testing import CliRunner
from sqlalchemy import func, text
from sqlmodel import select

from survey.commands import demo, demo_national
from survey.commands.database import demo_command
from survey.core.units import add_unit
from survey.db import get_engine
from survey.models import Counter, Response, TallyPending, Unit, UnitKind, UnitService, User

pytestmark = pytest.mark.slow


def test_the_national_demo_has_34_provinces_their_units_and_about_3300_communes(app, session):
    engine = get_engine(app)
    lines: list[str] = []
    result = demo.seed(engine, responses=2000, seed=5, build=demo_national.builder(), progress=lines.append)
    units = session.exec(select(Unit)).all()
    kinds = {kind: sum(u.kind == kind for u in units) for kind in {u.kind for u in units}}
    places = sum(communes for _, _, communes, _ in demo_national.PROVINCES)
    assert 3_250 <= places <= 3_350
    assert kinds["nation"] == 1 and kinds["province"] == 34 and "district" not in kinds
    assert kinds["centre"] == 34 and kinds["branch"] == 3 * 34 and kinds["department"] == 10 * 34
    assert kinds["commune"] + kinds["ward"] == places and kinds["ward"] > 500
    assert result.units == len(units) == 1 + 34 * 15 + places
    by_id = {u.id: u for u in units}
    nation = next(u for u in units if u.kind == "nation")
    # Every path is its parent's path and its own id; communes sit right under their province.
    for unit in units:
        parent = by_id.get(unit.parent_id)
        assert unit.path == f"{parent.path if parent else '/'}{unit.id}/"
        if unit.kind in ("commune", "ward", "department"):
            assert parent.kind == "province"
        if unit.kind == "province":
            assert parent is nation
    counters = session.exec(select(func.count()).select_from(Counter)).one()
    assert 9_500 <= counters <= 10_500 and counters == result.counters
    assert len({c.short_code for c in session.exec(select(Counter)).all()}) == counters
    assert session.exec(select(func.count()).select_from(UnitService)).one() > 20 * places
    assert {(u.username, u.unit_id) for u in session.exec(select(User)).all()} == {
        ("manager", nation.id), ("admin", nation.id)}
    assert session.exec(select(func.count()).select_from(Response)).one() == 2000
    assert session.exec(select(func.count()).select_from(TallyPending)).one() == 0
    assert lines == ["2,000 of 2,000 responses in " + lines[0].split(" in ")[1]]
    with engine.connect() as connection:
        # No response at the nation or a province itself: they have no counters.
        top = connection.execute(text("SELECT count(*) FROM response r JOIN unit u ON u.id = r.unit_id "
                                      "WHERE u.kind IN ('nation', 'province')")).scalar()
        assert top == 0
    # The unit ids were written explicitly: a unit added afterwards gets a fresh one.
    added = add_unit(session, "NEW", "Xã mới", UnitKind.COMMUNE, by_id[nation.id + 1])
    session.commit()
    assert added.id > max(by_id)


def test_a_smaller_nation_keeps_its_first_provinces(app, session):
    demo.seed(get_engine(app), responses=300, seed=2, build=demo_national.builder(2), tally_every=3)
    provinces = session.exec(select(Unit).where(Unit.kind == "province").order_by(Unit.id)).all()
    assert [p.code for p in provinces] == ["HNI", "HUE"]
    with pytest.raises(ValueError):
        demo_national.builder(35)


def test_the_demo_command_builds_a_nation_with_scale_national(app, session):
    runner = CliRunner()
    with app.app_context():
        answer = runner.invoke(demo_command, ["--scale", "national", "--provinces", "1",
                                              "--responses", "500"], catch_exceptions=False)
    assert answer.exit_code == 0, answer.output
    assert "Demo nation: " in answer.output and "500 of 500 responses" in answer.output
    assert session.exec(select(func.count()).select_from(Unit).where(Unit.kind == "province")).one() == 1
    with app.app_context():
        refused = runner.invoke(demo_command, ["--scale", "national", "--provinces", "40"])
    assert refused.exit_code == 2
