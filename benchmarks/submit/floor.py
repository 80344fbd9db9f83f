"""The stack's floor: a minimal Flask app that stores a posted survey with the same durable inserts as
the app (one response row, one answer row, one commit, on the app's own engine), then answers 303.

No validation, no ticket, no rate limits, no abuse signals, no webhooks, no logging: what is left is
Flask, SQLAlchemy Core, the driver and the database's commit (the tally queue's trigger fires as in
the app). Served by run.py under gunicorn with DATABASE_URL set.
"""

import os
import uuid
from functools import cache

from flask import Flask, redirect, request
from sqlalchemy import insert, select

from survey import instruments
from survey.db import make_engine
from survey.models import ANSWER_SLOTS, Answer, Counter, Instrument, Response, utcnow

app = Flask(__name__)
INSERT_RESPONSE = insert(Response.__table__).returning(Response.__table__.c.id)
INSERT_ANSWER = insert(Answer.__table__)


@cache
def engine():
    """Return this process's engine (made in the worker, after gunicorn forks)."""
    return make_engine(os.environ["DATABASE_URL"])


@cache
def place(token: str) -> tuple[int, int, int, instruments.Instrument]:
    """Return (counter id, unit id, instrument row id, instrument) of a counter token, read once."""
    with engine().connect() as connection:
        counter_id, unit_id, code = connection.execute(
            select(Counter.id, Counter.unit_id, Counter.instrument_code).where(Counter.token == token)
        ).one()
        instrument = instruments.load(code)
        row_id = connection.execute(select(Instrument.id).where(
            Instrument.code == code, Instrument.version == instrument.version)).scalar_one()
    return counter_id, unit_id, row_id, instrument


@app.post("/c/<token>")
def submit(token: str):
    """Insert the response and its answers as posted (no checks), commit, answer 303."""
    counter_id, unit_id, instrument_id, instrument = place(token)
    form = request.form
    values = {item.code: int(form[item.code]) for item in instrument.items if item.code in form}
    answered, satisfied = instrument.masks(values)
    slots = {f"v{slot:02d}": None for slot in range(1, ANSWER_SLOTS + 1)}
    slots |= {f"v{item.slot:02d}": values.get(item.code) for item in instrument.items}
    with engine().begin() as connection:
        response_id = connection.execute(INSERT_RESPONSE, {
            "instrument_id": instrument_id, "unit_id": unit_id, "counter_id": counter_id,
            "channel": "counter-qr", "idempotency_key": str(uuid.uuid4()), "language": "vi",
            "answered_mask": answered, "satisfied_mask": satisfied, "comment": request.form.get("comment"),
            "suspicious": False, "submitted_at": utcnow(),
        }).scalar_one()
        connection.execute(INSERT_ANSWER, slots | {"response_id": response_id})
    return redirect(f"/c/{token}/thanks", 303)


@app.get("/healthz")
def health():
    """Answer the start-up probe."""
    return {"status": "ok"}
