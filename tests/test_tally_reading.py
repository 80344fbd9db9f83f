"""Reads of the tally: a read-only request sees one moment, and respondent counts follow each fold."""

from survey.db import get_engine, get_session, read_from_replica
from survey.periods import parse
from survey.scores import Filters, counts, live, subtree_units, tally
from tests.factories import add_sipas

JULY = Filters(parse("2026-07"))


def test_a_read_only_request_reads_one_moment_of_the_tally(app, session, province):
    add_sipas(session, province, "H-01", n=5, satisfied=3)
    tally.fold(get_engine(app))
    ids = [u.id for u in subtree_units(session, province.root)]

    def respondents() -> int:
        return tally.respondents("sipas-service", unit_ids=ids, filters=JULY)

    with app.test_request_context("/manage/"):
        read_from_replica()
        assert respondents() == 5
        # another process folds new responses while this page is being built
        add_sipas(session, province, "H-02", n=3, satisfied=3)
        assert tally.fold(get_engine(app)).responses == 3
        assert respondents() == 5, "the page's later sections read the same moment"
    with app.test_request_context("/manage/"):
        read_from_replica()
        assert respondents() == 8, "the next request sees the fold"
    with app.test_request_context("/admin/"):  # a request that may write reads afresh each time
        assert respondents() == 8
        add_sipas(session, province, "H-02", n=2, satisfied=2)
        tally.fold(get_engine(app))
        assert respondents() == 10


def test_the_snapshot_ends_with_its_request_inside_a_longer_app_context(app, session, province):
    add_sipas(session, province, "H-01", n=5, satisfied=3)
    tally.fold(get_engine(app))
    ids = [u.id for u in subtree_units(session, province.root)]
    with app.app_context():
        for expected in (5, 9):
            with app.test_request_context("/manage/"):
                read_from_replica()
                assert tally.respondents("sipas-service", unit_ids=ids, filters=JULY) == expected
            add_sipas(session, province, "H-01", n=4, satisfied=4)
            tally.fold(get_engine(app))


def test_respondent_counts_follow_each_fold(app, session, province):
    by = ["unit_id", "month", "service_id"]
    units = subtree_units(session, province.root)

    def grouped(source) -> list[tuple]:
        with app.test_request_context("/manage/"):
            read_from_replica()
            if source == "tally":
                frame = counts.response_counts(get_session(), units, JULY, by)
            else:
                frame = counts.grouped(live.response_counts(
                    get_session(), path=units[0].path, filters=JULY, by=by,
                    instruments=[i for code in ("sipas-service", "quick-3", "tt01-dossier")
                                 for i in live.instrument_ids(get_session(), code)]), by, ["n"])
        return sorted(tuple(row) for row in frame[frame["n"] > 0].itertuples(index=False))

    add_sipas(session, province, "H-01", n=5, satisfied=3, service="1.001193")
    tally.fold(get_engine(app))
    first = grouped("tally")
    held = (app.extensions.get("hailong_tally_replica") or app.extensions["hailong_tally"]).cells.held()
    assert any(grain == "service:n" for grain, *_ in held), "respondents are kept by themselves"
    add_sipas(session, province, "H-01", n=4, satisfied=4, service="1.001193")
    add_sipas(session, province, "H-02", n=2, satisfied=1)
    tally.fold(get_engine(app))
    second = grouped("tally")
    assert second == grouped("live") and second != first
    assert sum(row[-1] for row in second) - sum(row[-1] for row in first) == 6
