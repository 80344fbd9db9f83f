"""The tally: every response counted once, folded or pending, and pages that agree with counting live."""

import math
import threading
from datetime import UTC, datetime, timedelta

import numpy as np
import pytest
from sqlalchemy import delete, func, select, text, update

from survey import scores
from survey.db import get_engine
from survey.models import Dossier, Response, Tally, TallyPending, TallyUnready
from survey.periods import parse
from survey.scores import Filters, service, tally
from survey.scores import live as scores_live
from tests.factories import JULY, add_rated, add_sipas, verdict_mix
from tests.helpers import bearer, make_key, stored_respondents

AUGUST = datetime(2026, 8, 3, 2, 0, tzinfo=UTC)


@pytest.fixture
def data(app, session, province):
    """Responses of every instrument, channel, flag and service, in July and August."""
    verdict_mix(session, province)
    add_sipas(session, province, "D1", n=7, satisfied=3, service="1.001193", channel="paper", flagged=2)
    add_sipas(session, province, "H-01", n=5, satisfied=5, service="1.001193", when=AUGUST)
    add_sipas(session, province, "D2", n=4, satisfied=1, channel="kiosk")
    for value in (3, 3, 2, 1):
        add_rated(session, province, "H-01", "quick-3", {"RATING": value})
    # Kiosk reasons, a bit mask (option v: bit v-1): none, "long wait", "wait + attitude + late".
    for unit, value, mask in (("H-01", 1, 0), ("H-01", 1, 0b1), ("D1", 1, 0b10101), ("D1", 2, 0b100)):
        add_rated(session, province, unit, "quick-3", {"RATING": value, "REASONS": mask})
    late = add_rated(session, province, "D2", "quick-3", {"RATING": 1, "REASONS": 0b110000}, when=AUGUST)
    # METHOD.md §2: citizen indicators (1, 3, 4, 7) of four dossiers; answer 1 = 2 points, 2 = 1, 3 = 0.
    value = {2: 1, 1: 2, 0: 3}
    for points in [(2, 2, 2, 2), (1, 2, 1, 1), (0, 1, 2, 0), (2, 2, 2, 2)]:
        answers = {code: value[p] for code, p in zip(("T1", "T3", "T4", "T7"), points, strict=True)}
        add_rated(session, province, "D1", "tt01-dossier", {**answers, "RATING": 3}, dossier={})
    due = JULY + timedelta(days=5)
    add_rated(session, province, "H-01", "tt01-dossier", {"RATING": 1},  # dissatisfied, returned early
              dossier={"due_at": due, "returned_at": due - timedelta(days=1)})
    add_rated(session, province, "H-01", "tt01-dossier", {"RATING": 3},  # complaint, late on the due day
              dossier={"due_at": due, "returned_at": due + timedelta(hours=2), "complaint": True})
    flagged = add_rated(session, province, "D2", "tt01-dossier", {"RATING": 1}, dossier={"due_at": due})
    session.execute(update(Response).where(Response.id.in_([flagged.id, late.id])).values(suspicious=True))
    session.commit()
    with app.app_context():
        yield province


def pages(session, province, filters: Filters) -> dict:
    """Everything the score pages show of the province and of district H under some filters."""
    result = {}
    settings = scores.Settings()
    for code in ("P", "H"):
        unit = province.root if code == "P" else province.units[code]
        units = scores.subtree_units(session, unit)
        moments, _ = service.leaf_moments(session, units, filters)
        result[code] = {
            "leaf n": dict(zip(moments.index, moments.n, strict=True)),
            "trend": scores.trend(session, units, filters, settings),
            "services": {row["service"]: row for row in scores.services(session, units, filters, settings)},
            "ratings": scores.ratings(session, units, filters, settings),
            "reasons": scores.reasons(session, units, filters),
            "dossiers": scores.dossiers(session, units, filters),
            "channels": {row["channel"]: row["n"] for row in scores.channels(session, units, filters)},
            "rates": scores.response_rates(session, unit, units, filters),
        }
    result["D1 counters"] = scores.counters(session, province.units["D1"], filters, settings)
    return result


def assert_same(a, b, where="") -> None:
    """Assert two nested results are equal (floats to 1e-9)."""
    if isinstance(a, dict):
        assert set(a) == set(b), where
        for key in a:
            assert_same(a[key], b[key], f"{where}/{key}")
    elif isinstance(a, list | tuple):
        assert len(a) == len(b), where
        for i, (x, y) in enumerate(zip(a, b, strict=True)):
            assert_same(x, y, f"{where}[{i}]")
    elif isinstance(a, float | np.floating) and not math.isnan(a):
        assert b == pytest.approx(a, rel=1e-9, abs=1e-12), where
    else:
        assert a == b, where


FILTERS = {
    "july": {},
    "summer, flagged left out": {"include_flagged": False},
    "paper": {"channel": "paper"},
    "kiosk": {"channel": "kiosk"},
}


@pytest.mark.parametrize("derived", [True, False], ids=["unit grain", "unit grain not derived"])
@pytest.mark.parametrize("folded", [False, True], ids=["pending", "folded"])
@pytest.mark.parametrize("name", list(FILTERS))
def test_pages_from_the_tally_equal_counting_live(session, data, monkeypatch, folded, name, derived):
    if folded:
        assert tally.fold(get_engine()).responses > 0
    if not derived:
        not_derived(session)
    period = parse("2026-06-01..2026-08-31" if name.startswith("summer") else "2026-07")
    filters = Filters(period, **FILTERS[name])
    assert tally.grain_for(filters, []) == ("counter" if "channel" in FILTERS[name] else "unit")
    assert tally.grain_for(filters, ["counter_id"]) == "counter"
    from_tally = pages(session, data, filters)
    live(monkeypatch)
    assert tally.sums("sipas-service", unit_ids=[data.root.id], filters=filters, by=[]) is None
    assert tally.respondents("sipas-service", unit_ids=[data.root.id], filters=filters) is None
    assert_same(from_tally, pages(session, data, filters))
    assert from_tally["P"]["leaf n"], "the comparison needs responses"
    facts = from_tally["P"]["dossiers"]["facts"]
    if name == "july":
        assert facts == {"dossiers": 7, "dissatisfied": 2, "complaint": 1, "overdue": 1, "bad": 3, "early": 1,
                         "same_day": 1, "returned": 2}
    if name.endswith("left out"):
        assert facts["dissatisfied"] == 1 and facts["bad"] == 2
    reasons = from_tally["P"]["reasons"].get("quick-3")
    ticked = {row["value"]: row["count"] for row in reasons["reasons"]}
    if name in ("july", "kiosk"):
        assert (ticked, reasons["with_reasons"]) == ({1: 2, 2: 0, 3: 2, 4: 0, 5: 1, 6: 0}, 3)
    if name == "summer, flagged left out":  # the flagged August rating's reasons (5, 6) are left out
        assert (ticked[5], ticked[6], reasons["with_reasons"]) == (1, 0, 3)


def not_derived(session) -> None:
    """Make the tally one stored before the unit grain existed: no unit groups, marked to be derived."""
    session.execute(delete(Tally).where(Tally.grain == "unit"))
    session.add(TallyUnready(grain="unit"))
    session.commit()


def test_service_filter_uses_the_service_grain(session, data, monkeypatch):
    filters = Filters(parse("2026-07-01..2026-08-31"), service_id=data.services["1.001193"].id)
    assert tally.grain_for(filters, []) == "service"
    assert tally.grain_for(filters.but(channel="paper"), []) is None
    tally.fold(get_engine())
    from_tally = pages(session, data, filters)
    assert from_tally["P"]["leaf n"] == {data.units["D1"].id: 7, data.units["H-01"].id: 5}
    live(monkeypatch)
    assert_same(from_tally, pages(session, data, filters))


@pytest.mark.parametrize("folded", [False, True], ids=["pending", "folded"])
def test_reasons_are_summed_from_the_tally_not_counted_live(session, data, monkeypatch, folded):
    if folded:
        tally.fold(get_engine())
    units = scores.subtree_units(session, data.root)

    def counted_live(*_, **__):
        raise AssertionError("the reasons were counted live")

    monkeypatch.setattr(scores_live, "option_counts", counted_live)
    reasons = scores.reasons(session, units, Filters(parse("2026-07"), channel="kiosk"))["quick-3"]
    assert {row["value"]: row["count"] for row in reasons["reasons"] if row["count"]} == {1: 2, 3: 2, 5: 1}
    assert reasons["with_reasons"] == 3
    with pytest.raises(AssertionError, match="counted live"):  # a part of a month: only SQL can count
        scores.reasons(session, units, Filters(parse("2026-07-01..2026-07-15")))


def live(monkeypatch) -> None:
    """Make every section count live (the tally answers nothing)."""
    # Where the tally's own functions look it up, not only the package's name for it.
    monkeypatch.setattr("survey.scores.tally.answers.grain_for", lambda *_: None)
    monkeypatch.setattr(tally, "grain_for", lambda *_: None)
    monkeypatch.setattr(tally, "dossier_groups", lambda *_: None)


def test_a_rating_before_its_dossier_counts_when_the_dossier_arrives(session, data, monkeypatch):
    engine = get_engine()
    tally.fold(engine)
    rating = add_rated(session, data, "H-02", "tt01-dossier", {"RATING": 1})
    session.execute(update(Response).where(Response.id == rating.id).values(dossier_hash="f" * 64))
    session.commit()
    tally.fold(engine)
    july = Filters(parse("2026-07"))
    units = scores.subtree_units(session, data.root)
    before = scores.dossiers(session, units, july)["facts"]
    session.add(Dossier(unit_id=data.units["H-02"].id, dossier_hash="f" * 64, received_at=JULY))
    session.commit()
    waiting = scores.dossiers(session, units, july)["facts"]
    assert (waiting["dossiers"], waiting["dissatisfied"], waiting["bad"]) == (
        before["dossiers"] + 1, before["dissatisfied"] + 1, before["bad"] + 1)
    tally.fold(engine)
    assert scores.dossiers(session, units, july)["facts"] == waiting
    live(monkeypatch)
    assert scores.dossiers(session, units, july)["facts"] == waiting


def test_worked_tt01_example_from_the_tally(session, data):
    units = scores.subtree_units(session, data.root)
    tt01 = scores.dossiers(session, units, Filters(parse("2026-07")))["tt01"]
    assert tally.grain_for(Filters(parse("2026-07")), []) == "unit"
    assert {k: tt01["counts"][k] for k in ("1", "3", "4", "7")} == {"1": 4, "3": 4, "4": 4, "7": 4}
    # Sums of 5, 7, 7 and 5 points over four dossiers: means 1.3, 1.8, 1.8, 1.3 (METHOD.md §2, half up).
    means = {k: tt01["indicators"][k] for k in ("1", "3", "4", "7")}
    assert means == {"1": 1.3, "3": 1.8, "4": 1.8, "7": 1.3}


def test_a_dossier_not_yet_returned_is_left_out_of_indicator_1(session, data):
    not_yet = {"T1": 4, "T3": 1, "T4": 1, "T7": 1, "RATING": 3}  # T1 4: "Chưa nhận kết quả"
    add_rated(session, data, "D1", "tt01-dossier", not_yet, dossier={})
    session.commit()
    units = scores.subtree_units(session, data.root)
    tt01 = scores.dossiers(session, units, Filters(parse("2026-07")))["tt01"]
    assert {k: tt01["counts"][k] for k in ("1", "3", "4", "7")} == {"1": 4, "3": 5, "4": 5, "7": 5}
    assert tt01["indicators"]["1"] == 1.3  # 5 points over the four dossiers that were returned


def test_every_inserted_response_waits_once_and_a_fold_counts_it_once(session, data):
    engine = get_engine()
    responses = session.scalar(select(func.count()).select_from(Response))
    assert session.scalar(select(func.count()).select_from(TallyPending)) == responses
    assert tally.fold(engine, batch=50).responses == responses
    assert tally.fold(engine).responses == 0
    session.commit()
    assert session.scalar(select(func.count()).select_from(TallyPending)) == 0
    for grain in (*tally.GRAINS, "unit"):
        assert stored_respondents(session, grain) == responses


def refreshed(store: tally.Store) -> tally.Store:
    """Return the store brought up to date with the database now."""
    with get_engine().connect() as connection, connection.begin():
        return tally.refresh(connection, store)


def test_waiting_responses_are_summed_as_they_arrive(session, data):
    tally.fold(get_engine())
    store = refreshed(tally.Store())
    add_sipas(session, data, "D2", n=3, satisfied=3)
    add_sipas(session, data, "H-02", n=2, satisfied=0, when=AUGUST)
    waiting = refreshed(store)
    assert len(waiting.pending_ids[0]) == 5 and waiting.generation == store.generation
    add_rated(session, data, "H-01", "quick-3", {"RATING": 1})
    more = refreshed(waiting)  # adds only the new response to what it held
    assert pending_sums(more) == pending_sums(refreshed(tally.Store()))
    assert len(more.pending_ids[0]) == 6
    tally.fold(get_engine())
    updated = refreshed(more)
    assert updated.generation == store.generation + 1 and not any(updated.pending_ids) and not updated.pending


def test_readers_drop_only_the_cells_a_fold_changed_and_agree_with_a_fresh_read(app, session, data):
    engine = get_engine()
    tally.fold(engine)
    units = [u.id for u in scores.subtree_units(session, data.root)]
    summer = Filters(parse("2026-07-01..2026-08-31"))

    def by_unit() -> dict:
        summed = tally.sums("sipas-service", unit_ids=units, filters=summer, by=["unit_id", "month"])
        return {key: vector.tolist() for key, vector in
                zip(summed.keys.itertuples(index=False, name=None), summed.values, strict=True)}

    before = by_unit()
    cells = tally.view().cells
    held = set(cells.held())
    assert {(grain, unit, month) for grain, _, unit, month in held} == {
        ("unit", unit, month) for unit in units for month in ("2026-07", "2026-08")}
    add_sipas(session, data, "D2", n=3, satisfied=3)
    assert set(cells.held()) == held and by_unit() != before  # the waiting responses count, no cell read
    tally.fold(engine)
    tally.view()
    d2 = data.units["D2"].id
    assert set(cells.held()) == {key for key in held if (key[2], key[3]) != (d2, "2026-07")}
    after = by_unit()
    app.extensions.pop("hailong_tally")
    assert by_unit() == after
    cells = tally.view().cells
    assert len(cells.held()) == len(held)
    tally.rebuild(engine)
    tally.view()
    assert not cells.held()  # a rebuild renews every generation: nothing held survives it
    assert by_unit() == after


def pending_sums(store: tally.Store) -> dict:
    """Return the sums a store holds for waiting responses, per grain, instrument and group."""
    result = {}
    for key, block in store.pending.items():
        keys, totals = block.keys, block.values
        for row, vector in zip(keys.itertuples(index=False, name=None), totals, strict=True):
            group = (key, row)
            result[group] = result.get(group, 0) + vector
    return {group: vector.tolist() for group, vector in result.items()}


def test_a_read_never_folds_and_a_write_folds_once_answered(app, client, session, data):
    app.config["TALLY_FOLD_AT"] = 10
    key = make_key(session, data.units["P"], "receipts:write")
    with app.test_request_context("/manage/"):
        waiting = tally.view().pending_ids[0]
    assert len(waiting) > 10
    assert session.scalar(select(func.count()).select_from(TallyPending)) == len(waiting)
    session.commit()
    posted = client.post("/api/v1/receipts", json={"unit": "H-01", "dossier": "HS-1"}, headers=bearer(key))
    assert posted.status_code == 201
    assert session.scalar(select(func.count()).select_from(TallyPending)) == len(waiting)
    posted.close()  # the server has sent the answer: the fold runs now
    session.commit()
    assert session.scalar(select(func.count()).select_from(TallyPending)) == 0
    assert session.scalar(select(func.count()).select_from(Response)) == len(waiting)


def test_rebuild_equals_folding_as_responses_came(session, data):
    engine = get_engine()
    tally.fold(engine)
    add_sipas(session, data, "D1", n=3, satisfied=1)
    tally.fold(engine)
    before = {(r.grain, r.instrument_id, r.unit_id, r.part_id, r.month, r.channel, r.suspicious): r.sums
              for r in session.scalars(select(Tally)).all()}
    session.commit()
    tally.rebuild(engine)
    after = {(r.grain, r.instrument_id, r.unit_id, r.part_id, r.month, r.channel, r.suspicious): r.sums
             for r in session.scalars(select(Tally)).all()}
    assert after == before


def test_sums_past_int32_are_refused():
    with pytest.raises(OverflowError, match="int32"):
        tally.encode(np.array([1, 2**31]))


COPY_RESPONSE = text(
    "INSERT INTO response (id, instrument_id, unit_id, counter_id, channel, submitted_at, idempotency_key, "
    "language, answered_mask, satisfied_mask, suspicious) SELECT :id, instrument_id, unit_id, counter_id, "
    "channel, submitted_at, :key, language, answered_mask, satisfied_mask, false FROM response "
    "WHERE id = :newest")


def test_a_response_committed_during_a_fold_is_not_lost(app, session, data):
    engine = get_engine()
    if engine.dialect.name != "postgresql":
        pytest.skip("SQLite lets one writer in at a time: a fold cannot overlap another commit")
    tally.fold(engine)
    newest = session.scalar(select(func.max(Response.id)))
    writer = engine.connect()
    transaction = writer.begin()
    # An id below one committed after it, as concurrent PostgreSQL transactions produce.
    writer.execute(COPY_RESPONSE, {"id": newest + 1, "key": "late-commit", "newest": newest})
    session.connection().execute(COPY_RESPONSE, {"id": newest + 2, "key": "early-commit", "newest": newest})
    session.commit()
    folding = threading.Thread(target=tally.fold, args=(engine,))
    folding.start()
    folding.join()
    session.commit()
    assert session.scalars(select(TallyPending.response_id)).all() == []
    transaction.commit()
    writer.close()
    tally.fold(engine)
    session.commit()
    total = session.scalar(select(func.count()).select_from(Response))
    assert stored_respondents(session, "counter") == total
