"""A fold after a write adds one bounded batch, the oldest responses first: under steady submissions a
fold that went on until the queue was empty never ended (the server killed its worker)."""

import threading

import pytest
from sqlalchemy import select

from survey.db import get_engine
from survey.models import TallyPending
from survey.scores import tally
from survey.scores.tally.fold import lock
from tests.factories import add_sipas


def queued(session) -> list[int]:
    session.commit()  # a new snapshot
    return list(session.scalars(select(TallyPending.response_id).order_by(TallyPending.response_id)))


def test_a_fold_after_a_write_adds_one_batch_oldest_first(app, session, province):
    add_sipas(session, province, "D1", n=25, satisfied=20)
    ids = queued(session)
    assert len(ids) == 25
    with app.app_context():
        engine = get_engine()
        assert tally.fold_if_waiting(engine, fold_at=10, batch=10) == tally.Folded(10, 0)
        assert queued(session) == ids[10:]
        assert tally.fold_if_waiting(engine, fold_at=10, batch=10) == tally.Folded(10, 0)
        assert queued(session) == ids[20:]
        # Five wait: not more than fold_at, no fold; the timer's fold (flask tally) takes the rest.
        assert tally.fold_if_waiting(engine, fold_at=10, batch=10) == tally.Folded()
        assert tally.fold(engine) == tally.Folded(5, 0)
    assert queued(session) == []


def test_the_count_a_write_made_decides_without_counting_again(app, session, province):
    add_sipas(session, province, "D1", n=3, satisfied=3)
    with app.app_context():
        engine = get_engine()
        assert tally.fold_if_waiting(engine, fold_at=10, known=11, batch=2) == tally.Folded(2, 0)
        assert tally.fold_if_waiting(engine, fold_at=10, known=10) == tally.Folded()
    assert len(queued(session)) == 1


def test_a_fold_after_a_write_does_not_wait_for_a_fold_already_running(app, session, province):
    if session.get_bind().dialect.name != "postgresql":
        pytest.skip("SQLite lets one writer in at a time: the fold lock is PostgreSQL's")
    add_sipas(session, province, "D1", n=3, satisfied=3)
    with app.app_context():
        engine = get_engine()
        with engine.begin() as other:
            assert lock(other)  # a fold runs (the timer's, or another worker's)
            folded = []
            worker = threading.Thread(target=lambda: folded.append(tally.fold_if_waiting(engine, fold_at=0)))
            worker.start()
            worker.join(timeout=30)  # a guard: the fold returns at once, it does not wait for `other`
            assert not worker.is_alive()
            assert folded == [tally.Folded()]
        assert tally.fold_if_waiting(engine, fold_at=0) == tally.Folded(3, 0)
    assert queued(session) == []
