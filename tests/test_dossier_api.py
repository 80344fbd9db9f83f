"""Dossier facts pushed by the one-stop system: idempotent, scoped, per-item errors, exact tally on change."""

from datetime import timedelta

import pytest
from sqlmodel import select

from survey import scores
from survey.core.receipts import dossier_hash
from survey.db import get_engine
from survey.models import Dossier, TallyPendingDossier
from survey.periods import parse
from survey.scores import Filters, tally
from tests.factories import JULY, add_rated
from tests.helpers import bearer, make_key

FACTS = {"unit": "H-01", "service": "1.001193", "received_at": "2026-07-10T08:00:00+07:00",
         "due_at": "2026-07-20T17:00:00+07:00"}


@pytest.fixture
def headers(session, province) -> dict:
    """An integrator key for district H (units H, H-01, H-02)."""
    return bearer(make_key(session, province.units["H"]))


def test_put_creates_then_repeats_unchanged_then_updates(app, client, session, province, headers):
    first = client.put("/api/v1/dossiers/H01-0001", json=FACTS, headers=headers)
    assert (first.status_code, first.json) == (201, {"code": "H01-0001", "status": "created"})
    again = client.put("/api/v1/dossiers/H01-0001", json=FACTS, headers=headers)
    assert (again.status_code, again.json["status"]) == (200, "unchanged")
    late = FACTS | {"returned_at": "2026-07-21T09:00:00+07:00", "late_reason": "Chờ xác minh",
                    "complaint": True, "complaint_outcome": "pending", "online": True}
    updated = client.put("/api/v1/dossiers/H01-0001", json=late, headers=headers)
    assert (updated.status_code, updated.json["status"]) == (200, "updated")
    with app.app_context():
        digest = dossier_hash("H01-0001", province.units["H-01"].id)
    [row] = session.exec(select(Dossier)).all()
    session.refresh(row)
    assert (row.dossier_hash, row.unit_id, row.service_id) == (
        digest, province.units["H-01"].id, province.services["1.001193"].id)
    assert (row.returned_at.hour, row.late_reason, row.complaint, row.complaint_outcome, row.online) == (
        2, "Chờ xác minh", True, "pending", True)


@pytest.mark.parametrize(("body", "status", "message"), [
    ({**FACTS, "unit": "D1"}, 404, "no unit 'D1' in your units"),
    ({**FACTS, "service": "9.999"}, 404, "no procedure with code '9.999'"),
    ({k: v for k, v in FACTS.items() if k != "received_at"}, 422, "'received_at'"),
    ({**FACTS, "received_at": "2026-07-10T08:00:00"}, 422, "needs a time zone"),
    ({**FACTS, "due_at": "2026-07-01T08:00:00+07:00"}, 422, "'due_at' 2026-07-01T01:00:00+00:00 is before"),
    ({**FACTS, "returned_at": "2099-01-01T00:00:00Z"}, 422, "in the future"),
    ({**FACTS, "complaint_outcome": "upheld"}, 422, "with 'complaint': true"),
    ({**FACTS, "complaint": "maybe"}, 422, "'complaint' must be true or false"),
    ({**FACTS, "late_reason": "x" * 501}, 422, "500 characters"),
])
def test_put_refuses_with_a_clear_message(client, session, province, headers, body, status, message):
    answer = client.put("/api/v1/dossiers/H01-0002", json=body, headers=headers)
    assert answer.status_code == status and message in answer.json["error"]["message"]
    assert session.exec(select(Dossier)).all() == []


def test_the_same_code_at_another_unit_is_another_dossier_and_scopes_are_checked(client, session, province,
                                                                                  headers):
    assert client.put("/api/v1/dossiers/X-1", json=FACTS, headers=headers).status_code == 201
    other = client.put("/api/v1/dossiers/X-1", json=FACTS | {"unit": "H-02"}, headers=headers)
    assert other.status_code == 201 and other.json["status"] == "created"
    assert sorted(d.unit_id for d in session.exec(select(Dossier)).all()) == sorted(
        [province.units["H-01"].id, province.units["H-02"].id])
    reader = bearer(make_key(session, province.units["H"], scopes="scores:read"))
    assert client.put("/api/v1/dossiers/X-2", json=FACTS, headers=reader).status_code == 403
    assert client.put("/api/v1/dossiers/X-2", json=FACTS).status_code == 401


def test_batch_answers_each_item_and_keeps_the_good_ones(client, session, province, headers):
    items = [{"code": "B-1", **FACTS}, {"code": "B-2", **FACTS, "unit": "D1"}, "not an object",
             {"code": "", **FACTS}, {"code": "B-1", **FACTS}, {"code": "B-3", **FACTS, "complaint": True}]
    answer = client.post("/api/v1/dossiers", json={"dossiers": items}, headers=headers)
    assert answer.status_code == 200
    assert [(r["code"], r["status"]) for r in answer.json["results"]] == [
        ("B-1", "created"), ("B-2", "not-found"), (None, "invalid"), ("", "invalid"), ("B-1", "unchanged"),
        ("B-3", "created")]
    assert answer.json["results"][1]["message"] == "no unit 'D1' in your units"
    assert len(session.exec(select(Dossier)).all()) == 2
    assert client.post("/api/v1/dossiers", json={"dossiers": []}, headers=headers).status_code == 422


def facts_now(app, session, province, *, live: bool, monkeypatch) -> dict:
    """Return the QĐ 766 facts of July for the province, from the tally or counted live."""
    session.rollback()  # a fresh snapshot: the API committed in its own session
    units = scores.subtree_units(session, province.root)
    with monkeypatch.context() as patch, app.app_context():
        if live:
            patch.setattr(tally, "dossier_groups", lambda *_: None)
        return scores.dossiers(session, units, Filters(parse("2026-07")))["facts"]


def fold(app) -> None:
    """Fold the tally queues now."""
    with app.app_context():
        tally.fold(get_engine())


def test_changes_after_a_rating_keep_the_tally_exact(app, client, session, province, headers, monkeypatch):
    """Facts change after the rating and after folds; the tally equals live counting at every step."""
    for i in range(4):
        client.put(f"/api/v1/dossiers/R-{i}", json=FACTS, headers=headers)
        with app.app_context():
            digest = dossier_hash(f"R-{i}", province.units["H-01"].id)
        rating = add_rated(session, province, "H-01", "tt01-dossier", {"RATING": 1 if i == 0 else 3})
        rating.dossier_hash = digest
        session.add(rating)
        session.commit()
    steps = [
        ("R-1", {"returned_at": "2026-07-25T09:00:00+07:00"}),  # overdue
        ("R-2", {"complaint": True}),
        ("R-1", {"returned_at": "2026-07-19T09:00:00+07:00"}),  # corrected: early after all
        ("R-3", {"received_at": "2026-08-02T08:00:00+07:00", "due_at": None}),  # leaves July
        ("R-0", {"service": "2.000815"}),  # another service group
        ("R-2", {"unit": "H-02"}),  # codes are per unit: a new dossier of H-02
    ]
    expected = {"dossiers": 4, "dissatisfied": 1, "complaint": 0, "overdue": 0, "bad": 1}
    for number, (code, change) in enumerate(steps):
        client.put(f"/api/v1/dossiers/{code}", json=FACTS | change, headers=headers)
        if number % 2:
            fold(app)
        from_tally = facts_now(app, session, province, live=False, monkeypatch=monkeypatch)
        live = facts_now(app, session, province, live=True, monkeypatch=monkeypatch)
        assert from_tally == live, (number, code)
    # Independently: R-0 dissatisfied (other service, still July), R-1 early, R-2 complaint, R-3 in August,
    # and H-02's own R-2 in July.
    expected = {"dossiers": 4, "dissatisfied": 1, "complaint": 1, "overdue": 0, "bad": 2, "returned": 1,
                "early": 1, "same_day": 0}
    assert {k: from_tally[k] for k in expected} == expected
    fold(app)
    session.rollback()
    assert session.exec(select(TallyPendingDossier)).all() == []
    assert facts_now(app, session, province, live=False, monkeypatch=monkeypatch) == from_tally
    with app.app_context():
        tally.rebuild(get_engine())
    assert facts_now(app, session, province, live=False, monkeypatch=monkeypatch) == from_tally


def test_an_unchanged_push_does_not_queue_the_dossier(app, client, session, province, headers):
    client.put("/api/v1/dossiers/U-1", json=FACTS, headers=headers)
    fold(app)
    client.put("/api/v1/dossiers/U-1", json=FACTS, headers=headers)
    assert session.exec(select(TallyPendingDossier)).all() == []
    moved = FACTS | {"due_at": (JULY + timedelta(days=3)).isoformat()}
    client.put("/api/v1/dossiers/U-1", json=moved, headers=headers)
    client.put("/api/v1/dossiers/U-1", json=moved | {"complaint": True}, headers=headers)
    session.rollback()
    [queued] = session.exec(select(TallyPendingDossier)).all()
    assert (queued.counted, queued.revision, queued.old_complaint) == (True, 2, False)
