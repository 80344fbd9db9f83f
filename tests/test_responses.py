"""record_response: one response and one answer row per idempotency key, on both databases."""

import threading
import uuid

import pytest
from sqlalchemy import func
from sqlmodel import Session, select

from survey.core.responses import DossierAlreadyRated, record_response
from survey.db import get_engine
from survey.models import Answer, Response

SIPAS = {code: 5 for code in ("A1", "A2", "A3", "B1", "B2", "B3", "B4", "C1", "C2", "C3", "D1", "D2", "D3")}
SIPAS |= {"E1": 0, "E2": 0, "E3": 2, "OVERALL": 4}


def record(session, province, key, **options):
    """Record a SIPAS counter response at counter D1."""
    counter = province.counters["D1"]
    return record_response(
        session,
        instrument_row=province.instruments["sipas-service"],
        unit_id=counter.unit_id,
        counter_id=counter.id,
        channel="counter-qr",
        values=options.pop("values", SIPAS),
        idempotency_key=key,
        **options,
    )


def count(session, model) -> int:
    return session.exec(select(func.count()).select_from(model)).one()


def test_record_writes_masks_slots_and_facts(session, province):
    row, created = record(
        session, province, "k1", facts={"gender": "female", "age_band": ""}, comment="Tốt", fill_seconds=42
    )
    session.commit()
    assert created is True
    # Bits 0–12 are 5 (satisfied), E1 and E2 "no opinion", E3 = 2 (answered, not satisfied),
    # OVERALL (bit 16) = 4.
    assert row.answered_mask == (1 << 13) - 1 | 1 << 15 | 1 << 16
    assert row.satisfied_mask == (1 << 13) - 1 | 1 << 16
    assert (row.gender, row.age_band, row.comment, row.fill_seconds) == ("female", None, "Tốt", 42)
    assert row.suspicious is False
    table = Answer.__table__
    answer = session.execute(select(table).where(table.c.response_id == row.id)).one()
    assert (answer.v01, answer.v14, answer.v16, answer.v17, answer.v18) == (5, 0, 2, 4, None)


def test_same_key_twice_returns_the_first_and_writes_nothing(session, province):
    first, created = record(session, province, "same")
    session.commit()
    again, created_again = record(session, province, "same", values={"OVERALL": 1})
    session.commit()
    assert (created, created_again, again.id) == (True, False, first.id)
    assert count(session, Response) == 1
    assert count(session, Answer) == 1


def test_suspicious_reason_flags_the_response(session, province):
    row, _ = record(session, province, "k2", suspicious_reason="honeypot field filled", client_hash="ab" * 16)
    expected = (True, "honeypot field filled", "ab" * 16)
    assert (row.suspicious, row.suspicious_reason, row.client_hash) == expected


@pytest.mark.parametrize(
    ("values", "options", "message"),
    [
        ({"Z9": 5}, {}, "'Z9' is not in instrument"),
        ({"A1": 7}, {}, "7 is not an answer to item 'A1'"),
        (SIPAS, {"channel": "carrier-pigeon"}, "channel 'carrier-pigeon'"),
        (SIPAS, {"facts": {"salary": "high"}}, "facts ['salary']"),
    ],
)
def test_bad_values_are_refused(session, province, values, options, message):
    counter = province.counters["D1"]
    arguments = {
        "instrument_row": province.instruments["sipas-service"],
        "unit_id": counter.unit_id,
        "channel": "counter-qr",
        "values": values,
        "idempotency_key": "bad",
    } | options
    with pytest.raises(ValueError, match=message.replace("[", r"\[").replace("]", r"\]")):
        record_response(session, **arguments)


def test_one_response_per_dossier(session, province):
    unit = province.units["D1"]
    arguments = {
        "instrument_row": province.instruments["tt01-dossier"],
        "unit_id": unit.id,
        "channel": "receipt",
        "values": {"T1": 1, "T3": 1, "T4": 2, "T7": 1, "RATING": 3},
        "dossier_hash": "d" * 64,
    }
    first, _ = record_response(session, idempotency_key="r1", **arguments)
    session.commit()
    with pytest.raises(DossierAlreadyRated) as caught:
        record_response(session, idempotency_key="r2", **arguments)
    assert caught.value.existing.id == first.id
    assert record_response(session, idempotency_key="r1", **arguments) == (first, False)


def test_concurrent_same_key_makes_one_response(app, province):
    """Eight transactions race with one key: one insert wins, the others return that row."""
    engine = get_engine(app)
    key = str(uuid.uuid4())
    barrier = threading.Barrier(8)
    results, errors = [], []

    def submit():
        try:
            with Session(engine, expire_on_commit=False) as session:
                barrier.wait(timeout=10)
                with app.test_request_context(method="POST"):  # POSTs open BEGIN IMMEDIATE on SQLite
                    row, created = record(session, province, key)
                    session.commit()
                results.append((row.id, created))
        except Exception as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    threads = [threading.Thread(target=submit) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert errors == []
    assert len({row_id for row_id, _ in results}) == 1
    assert sorted(created for _, created in results) == [False] * 7 + [True]
    with Session(engine) as session:
        assert count(session, Response) == 1


def test_kiosk_sync_keeps_the_answering_time(session, province):
    from datetime import UTC, datetime

    answered_at = datetime(2026, 11, 20, 8, 30, tzinfo=UTC)
    row, _ = record(session, province, "kiosk-1", submitted_at=answered_at, language="en")
    session.commit()
    session.expire_all()
    stored = session.get(Response, row.id)
    moment = stored.submitted_at  # SQLite gives it back naive (UTC), PostgreSQL aware
    assert moment.replace(tzinfo=moment.tzinfo or UTC) == answered_at and stored.language == "en"
