"""The SQL that counts: pattern histograms, level counts, dossier facts, comments."""

from datetime import UTC, datetime, timedelta

import pytest

from survey.models import Answer, Dossier, Instrument, Response
from survey.periods import parse
from survey.scores import Filters, live
from tests.factories import JULY, add_rated, add_sipas, verdict_mix

ALL_BITS = (1 << 17) - 1


@pytest.fixture
def ids(session, province):
    return {code: live.instrument_ids(session, code) for code in ("sipas-service", "quick-3", "tt01-dossier")}


def tt01(versions: list[int]) -> dict[int, tuple[int, int]]:
    """Return the per-dossier rating of these versions: slot 5, dissatisfied at value 1."""
    return dict.fromkeys(versions, (5, 1))


def july(**options) -> Filters:
    return Filters(parse("2026-07"), **options)


def test_histogram_counts_respondents_per_unit_and_pattern(session, province, ids):
    verdict_mix(session, province)
    frame = live.pattern_histogram(session, path=province.root.path, filters=july(),
                                   instruments=ids["sipas-service"])
    rows = {(r.unit_id, r.satisfied_mask): r.n for r in frame.itertuples()}
    d1, d2 = province.units["D1"].id, province.units["D2"].id
    assert rows[(d1, ALL_BITS)] == 60
    assert rows[(d2, ALL_BITS)] == 30 and rows[(d2, 0)] == 30
    assert set(frame["answered_mask"]) == {ALL_BITS}
    assert frame["n"].sum() == 170


def test_histogram_keeps_to_the_subtree_and_can_leave_flagged_out(session, province, ids):
    verdict_mix(session, province)
    district = province.units["H"].path
    frame = live.pattern_histogram(session, path=district, filters=july(), instruments=ids["sipas-service"])
    assert frame["n"].sum() == 50
    frame = live.pattern_histogram(session, path=province.root.path, filters=july(include_flagged=False),
                                   instruments=ids["sipas-service"], by=("unit_id",))
    d2 = frame[frame["unit_id"] == province.units["D2"].id]
    assert d2["n"].sum() == 55 and d2[d2["satisfied_mask"] == ALL_BITS]["n"].sum() == 25


def test_months_are_local_time(session, province, ids):
    # 30 June 18:00 UTC is 1 July 01:00 in Vietnam; 31 July 17:30 UTC is already 1 August.
    add_sipas(session, province, "D1", n=2, satisfied=2, when=datetime(2026, 6, 30, 18, 0, tzinfo=UTC))
    add_sipas(session, province, "D1", n=3, satisfied=3, when=datetime(2026, 7, 31, 17, 30, tzinfo=UTC))
    add_sipas(session, province, "D1", n=4, satisfied=4, when=datetime(2026, 6, 30, 16, 59, tzinfo=UTC))
    frame = live.pattern_histogram(session, path="/", filters=Filters(parse("2026")),
                                   instruments=ids["sipas-service"], by=("month",))
    assert dict(zip(frame["month"], frame["n"], strict=True)) == {"2026-06": 4, "2026-07": 2, "2026-08": 3}
    in_july = live.pattern_histogram(session, path="/", filters=july(), instruments=ids["sipas-service"])
    assert in_july["n"].sum() == 2


def test_service_channel_and_id_filters(session, province, ids):
    add_sipas(session, province, "D1", n=3, satisfied=3, service="1.001193")
    add_sipas(session, province, "D1", n=4, satisfied=1, channel="paper")
    sipas = ids["sipas-service"]
    service_id = province.services["1.001193"].id
    by_service = live.pattern_histogram(session, path="/", filters=july(service_id=service_id),
                                        instruments=sipas)
    assert by_service["n"].sum() == 3
    paper = live.pattern_histogram(session, path="/", filters=july(channel="paper"), instruments=sipas)
    assert paper["n"].sum() == 4
    first = live.pattern_histogram(session, path="/", filters=july(upto_id=3), instruments=sipas)
    rest = live.pattern_histogram(session, path="/", filters=july(after_id=3), instruments=sipas)
    assert (first["n"].sum(), rest["n"].sum()) == (3, 4)


def test_level_counts_of_the_quick_rating(session, province, ids):
    for value in (3, 3, 2, 1):
        add_rated(session, province, "H-01", "quick-3", {"RATING": value})
    add_rated(session, province, "D1", "quick-3", {"RATING": 1})
    frame = live.level_counts(session, path=province.units["H"].path, filters=july(),
                              instrument=ids["quick-3"][0], slot=1, levels=[3, 2, 1])
    assert frame[["level_3", "level_2", "level_1", "answered"]].values.tolist() == [[2, 1, 1, 4]]


def test_level_counts_of_a_points_item(session, province, ids):
    for value in (1, 1, 2, 3):
        add_rated(session, province, "D1", "tt01-dossier", {"T1": value, "RATING": 3})
    add_rated(session, province, "D1", "tt01-dossier", {"RATING": 3})  # T1 not answered
    frame = live.level_counts(session, path="/", filters=july(), instrument=ids["tt01-dossier"][0], slot=1,
                              levels=[1, 2, 3])
    assert frame[["level_1", "level_2", "level_3", "answered"]].values.tolist() == [[2, 1, 1, 4]]


def test_dossier_facts_count_each_dossier_once(session, province, ids):
    due = JULY + timedelta(days=5)
    ok = {"due_at": due, "returned_at": due - timedelta(days=1)}
    late = {"due_at": due, "returned_at": due + timedelta(hours=2)}
    add_rated(session, province, "D1", "tt01-dossier", {"RATING": 3}, dossier=ok)
    add_rated(session, province, "D1", "tt01-dossier", {"RATING": 1}, dossier=ok)  # dissatisfied
    add_rated(session, province, "D1", "tt01-dossier", {"RATING": 1},
              dossier={**late, "complaint": True})  # all three
    add_rated(session, province, "D1", "tt01-dossier", {"RATING": 2}, dossier=late)  # overdue
    frame = live.dossier_facts(session, path="/", filters=july(), ratings=tt01(ids["tt01-dossier"]))
    row = frame.iloc[0]
    assert (row.dossiers, row.dissatisfied, row.complaint, row.overdue, row.bad) == (4, 2, 1, 2, 3)
    assert (row.early, row.same_day, row.returned) == (2, 2, 4)


def rate_again(session, first: Response, instrument: Instrument, rating: int, *,
               flagged: bool = False) -> None:
    """Rate the dossier of `first` once more (slot 5), under another instrument or version."""
    next_id = first.id + 1000
    session.add(Response(
        id=next_id, instrument_id=instrument.id, unit_id=first.unit_id, counter_id=first.counter_id,
        channel="receipt", submitted_at=first.submitted_at, idempotency_key=f"again-{next_id}",
        dossier_hash=first.dossier_hash, suspicious=flagged,
        suspicious_reason="too fast" if flagged else None,
    ))
    session.flush()
    session.connection().execute(Answer.__table__.insert().values(response_id=next_id, v05=rating))
    session.commit()


def test_dossier_facts_over_two_versions_and_without_flagged_ratings(session, province, ids):
    first = province.instruments["tt01-dossier"]
    second = Instrument(code=first.code, version=first.version + 1, definition=first.definition,
                        checksum="0" * 64)
    session.add(second)
    session.commit()
    both = add_rated(session, province, "D1", "tt01-dossier", {"RATING": 1}, dossier={})
    rate_again(session, both, second, 1)  # dissatisfied under both versions: one dossier
    later = add_rated(session, province, "D1", "tt01-dossier", {"RATING": 3}, dossier={})
    rate_again(session, later, second, 1)  # dissatisfied under the second version only
    flagged = add_rated(session, province, "D1", "tt01-dossier", {"RATING": 1}, dossier={})
    session.execute(Response.__table__.update().where(Response.id == flagged.id).values(suspicious=True))
    session.commit()  # dissatisfied, but flagged
    half = add_rated(session, province, "D1", "tt01-dossier", {"RATING": 1}, dossier={})
    rate_again(session, half, second, 1, flagged=True)  # one flagged and one kept dissatisfied rating
    other = add_rated(session, province, "D1", "tt01-dossier", {"RATING": 2}, dossier={})
    rate_again(session, other, province.instruments["quick-3"], 1)  # slot 5 of another instrument
    session.add(Dossier(unit_id=province.units["D1"].id, dossier_hash="f" * 64,
                        received_at=JULY))  # not rated
    session.commit()
    versions = sorted(ids["tt01-dossier"] + [second.id])
    columns = ["dossiers", "dissatisfied", "bad"]
    row = live.dossier_facts(session, path="/", filters=july(), ratings=tt01(versions)).iloc[0]
    assert row[columns].tolist() == [6, 4, 4]
    unflagged = july(include_flagged=False)
    row = live.dossier_facts(session, path="/", filters=unflagged, ratings=tt01(versions)).iloc[0]
    assert row[columns].tolist() == [6, 3, 3]
    row = live.dossier_facts(session, path="/", filters=july(), ratings=tt01(ids["tt01-dossier"])).iloc[0]
    assert row[columns].tolist() == [6, 3, 3]


def test_dossiers_belong_to_the_period_by_reception_else_creation(session, province, ids):
    start, end = july().period.start_utc, july().period.end_utc  # local midnights, in UTC
    before, inside = start - timedelta(seconds=1), start + timedelta(days=3)
    cases = {
        "a": (start, before),  # received at the first instant: in
        "b": (end - timedelta(microseconds=1), inside),  # received at the last instant: in
        "c": (end, inside),  # received after the period, although created in it: out
        "d": (before, inside),  # received before the period: out
        "e": (None, start),  # reception unknown, created in the period: in
        "f": (None, end),  # reception unknown, created after the period: out
    }
    for letter, (received, created) in cases.items():
        session.add(Dossier(unit_id=province.units["D1"].id, dossier_hash=letter * 64, received_at=received,
                            created_at=created))
    session.commit()
    frame = live.dossier_facts(session, path="/", filters=july(), ratings=tt01(ids["tt01-dossier"]))
    assert frame["dossiers"].tolist() == [3]


def test_dossier_days_are_local_days(session, province, ids):
    # Due 08:00 and returned 06:00 local time on 20 July: the same day in Vietnam, although the
    # return falls on 19 July in UTC.
    due = datetime(2026, 7, 20, 1, 0, tzinfo=UTC)
    add_rated(session, province, "D1", "tt01-dossier", {"RATING": 3},
              dossier={"due_at": due, "returned_at": due - timedelta(hours=2)})
    row = live.dossier_facts(session, path="/", filters=july(), ratings=tt01(ids["tt01-dossier"])).iloc[0]
    assert (row.early, row.same_day, row.overdue) == (0, 1, 0)


def test_channel_counts_and_comments(session, province, ids):
    verdict_mix(session, province)
    add_sipas(session, province, "D1", n=1, satisfied=1, channel="paper", comment="100% hài lòng_")
    every = [i for values in ids.values() for i in values]
    counts = live.channel_counts(session, path="/", filters=july(), instruments=every)
    assert dict(zip(counts["channel"], counts["n"], strict=True)) == {"counter-qr": 170, "paper": 1}
    rows, more = live.recent_comments(session, path="/", filters=july(), instruments=every, per_page=2)
    assert len(rows) == 2 and more
    rows, more = live.recent_comments(session, path="/", filters=july(), instruments=every, per_page=2,
                                      page=2)
    assert len(rows) == 1 and not more
    rows, _ = live.recent_comments(session, path="/", filters=july(), instruments=every, search="chờ quá")
    assert len(rows) == 1 and rows.iloc[0]["comment"] == "Phải chờ quá lâu"
    assert bool(rows.iloc[0]["suspicious"])
    rows, _ = live.recent_comments(session, path="/", filters=july(), instruments=every, search="%")
    assert len(rows) == 1 and rows.iloc[0]["comment"].startswith("100%")
    rows, _ = live.recent_comments(session, path=province.units["H"].path, filters=july(), instruments=every)
    assert rows.empty
