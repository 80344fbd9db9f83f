"""Short counter codes: a new or rotated counter never takes a code another counter holds."""

import json
import secrets

import pytest
from sqlalchemy import event, update
from sqlmodel import select

from survey.commands import demo
from survey.db import get_engine, make_engine
from survey.models import Counter
from survey.models.org import SHORT_CODE_ALPHABET
from tests.helpers import events, sign_in

TAKEN = "AAAAAA"


def draw(monkeypatch, *codes: str) -> None:
    """Make the short-code generator draw these codes first (random ones after): forced collisions.

    A new Counter draws its default code when built (the administration then draws its own), so the
    tests draw a colliding code twice: the administration's first draw collides either way.
    """
    letters = list("".join(codes))
    real = secrets.choice

    def choice(sequence):
        return letters.pop(0) if sequence == SHORT_CODE_ALPHABET and letters else real(sequence)

    monkeypatch.setattr(secrets, "choice", choice)


@pytest.fixture
def taken(session, province) -> Counter:
    """Give D1's counter the code the generator is made to draw first."""
    counter = province.counters["D1"]
    session.execute(update(Counter).where(Counter.id == counter.id).values(short_code=TAKEN))
    session.commit()
    return counter


def code_of(session, counter_id: int) -> str:
    """Return a counter's short code as committed."""
    session.commit()  # a fresh snapshot: the app committed in its own session
    return session.exec(select(Counter.short_code).where(Counter.id == counter_id)).one()


def test_a_new_counter_draws_again_when_its_code_is_taken(client, session, province, taken, monkeypatch):
    sign_in(client, "admin")
    draw(monkeypatch, TAKEN, TAKEN, "BBBBBB")
    answer = client.post(f"/admin/units/{province.units['D2'].id}/counters",
                         data={"name": "Quầy 2", "instrument": "sipas-service"})
    assert answer.status_code == 303
    created = session.exec(select(Counter).where(Counter.name == "Quầy 2")).one()
    assert (created.short_code, code_of(session, taken.id)) == ("BBBBBB", TAKEN)
    [created_event] = events(session, "create", "counter")
    assert json.loads(created_event.after)["short_code"] == "BBBBBB"


def test_a_rotated_counter_draws_again_when_its_code_is_taken(client, session, province, taken, monkeypatch):
    sign_in(client, "admin")
    counter = province.counters["D2"]
    old_token = counter.token
    draw(monkeypatch, TAKEN, TAKEN, "CCCCCC")
    assert client.post(f"/admin/counters/{counter.id}/rotate").status_code == 303
    assert (code_of(session, counter.id), code_of(session, taken.id)) == ("CCCCCC", TAKEN)
    session.refresh(counter)
    assert counter.token != old_token and counter.token_rotated_at is not None
    [rotate] = events(session, "rotate-token", "counter")
    after = json.loads(rotate.after)
    assert (after["short_code"], after["token"]) == ("CCCCCC", counter.token)


@pytest.mark.parametrize("change", ["create", "rotate"])
def test_a_code_another_request_takes_meanwhile_is_drawn_again(app, client, session, province, monkeypatch,
                                                               change):
    """The code is free when checked; another transaction commits it before this one writes it."""
    engine = get_engine(app)
    if engine.dialect.name == "sqlite":
        pytest.skip("SQLite lets one writer in at a time: nobody can take the code between check and write")
    sign_in(client, "admin")
    draw(monkeypatch, "DDDDDD", "DDDDDD", "EEEEEE")
    other = make_engine(app.config["DATABASE_URL"])
    raced = []

    def meanwhile(_connection, _cursor, statement, *_args):
        writes_code = statement.startswith(("INSERT INTO counter ", "UPDATE counter SET short_code"))
        if writes_code and not raced:
            raced.append(statement)
            with other.begin() as connection:
                connection.execute(Counter.__table__.insert().values(
                    unit_id=province.units["D1"].id, name="Quầy khác", token="other-" + "x" * 30,
                    short_code="DDDDDD", instrument_code="sipas-service", active=True))

    counter = province.counters["D2"]
    old_token = counter.token
    event.listen(engine, "before_cursor_execute", meanwhile)
    try:
        if change == "create":
            answer = client.post(f"/admin/units/{province.units['D2'].id}/counters",
                                 data={"name": "Quầy 2", "instrument": "sipas-service"})
        else:
            answer = client.post(f"/admin/counters/{counter.id}/rotate")
    finally:
        event.remove(engine, "before_cursor_execute", meanwhile)
        other.dispose()
    assert raced and answer.status_code == 303
    session.commit()
    written = "Quầy 2" if change == "create" else "Quầy D2"
    codes = dict(session.exec(select(Counter.name, Counter.short_code)
                              .where(Counter.name.in_([written, "Quầy khác"]))).all())
    assert codes == {written: "EEEEEE", "Quầy khác": "DDDDDD"}
    session.refresh(counter)
    assert (counter.token != old_token) is (change == "rotate"), "the rotated token outlives the savepoint"


def test_the_demo_gives_every_counter_its_own_code(app, monkeypatch):
    draw(monkeypatch, *[TAKEN] * 3)  # the first three counters would share one code
    result = demo.seed(get_engine(app), responses=0, seed=1)
    with get_engine(app).connect() as connection:
        codes = connection.execute(select(Counter.short_code)).scalars().all()
    assert len(codes) == result.counters and len(set(codes)) == len(codes) and TAKEN in codes
