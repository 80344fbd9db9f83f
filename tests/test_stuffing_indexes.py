"""The abuse checks find an owner's newest ratings through that owner's own index, never by reading
every response of the window (a sequential scan under a flood)."""

from datetime import timedelta

import pytest
from sqlalchemy import text
from sqlmodel import select

from survey.core.stuffing import recent_statement
from survey.models import KioskDevice, Response, utcnow
from tests.helpers import make_kiosk

NOW = utcnow()


def a_flood(session, province) -> dict:
    """Store 3,000 ratings of the last minute from 700 clients (a few at D1's counter by its kiosk),
    have the database gather its statistics, and return the owners of the newest and the window."""
    mine = province.counters["D1"].id
    others = [counter.id for counter in province.counters.values() if counter.id != mine]
    make_kiosk(session, province.counters["D1"])
    kiosk = session.exec(select(KioskDevice.id)).one()
    # One rating in a hundred is the D1 counter's, by its kiosk; the rest come from other counters.
    rows = [{"instrument_id": province.instruments["sipas-service"].id, "unit_id": province.units["D1"].id,
             "counter_id": mine if number % 100 == 0 else others[number % len(others)],
             "channel": "counter-qr", "kiosk_id": kiosk if number % 100 == 0 else None,
             "client_hash": f"{number % 700:032x}",
             "submitted_at": NOW - timedelta(milliseconds=number * 19), "idempotency_key": f"key-{number}",
             "language": "vi", "answered_mask": 1, "satisfied_mask": 1, "suspicious": False}
            for number in range(3000)]
    session.connection().execute(Response.__table__.insert(), rows)
    session.commit()
    session.connection().execute(text("ANALYZE response"))
    newest = rows[0]
    return {"counter_id": newest["counter_id"], "client_hash": newest["client_hash"], "kiosk_id": kiosk,
            "since": NOW - timedelta(minutes=1)}


def plan(session, statement, parameters: dict) -> str:
    """Return the database's plan of a statement with these parameters."""
    connection = session.connection()
    compiled = statement.compile(dialect=connection.dialect)
    values = compiled.construct_params(parameters)
    if connection.dialect.name == "sqlite":
        values["since"] = values["since"].isoformat(" ")  # sqlite3 adapts no dates; the plan needs no value
        rows = connection.exec_driver_sql("EXPLAIN QUERY PLAN " + compiled.string,
                                          tuple(values[name] for name in compiled.positiontup))
        return "\n".join(row[-1] for row in rows)
    return "\n".join(row[0] for row in connection.exec_driver_sql("EXPLAIN " + compiled.string, values))


# A web form's burst check reads the newest few of its counter and client; a kiosk's checks read
# the whole window of its device and counter.
@pytest.mark.parametrize(("owners", "newest", "limit"), [(("counter_id", "client_hash"), True, 10),
                                                         (("counter_id", "kiosk_id"), False, 2000)])
def test_each_owner_is_read_through_its_own_index(session, province, owners, newest, limit):
    flood = a_flood(session, province)
    found = plan(session, recent_statement(owners, newest=newest), flood | {"limit": limit})
    assert [f"ix_response_{owner}_submitted_at" in found for owner in owners] == [True, True]
