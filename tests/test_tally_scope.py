"""Pages read the stored tally groups of their own scope only, and each process's cache keeps to its bytes."""

from datetime import UTC, datetime

import pytest

from survey import scores
from survey.db import get_engine
from survey.models import Counter, Role, UnitKind
from survey.periods import parse
from survey.scores import Filters, tally
from tests.factories import Province, add_rated, add_sipas, make_unit, make_user
from tests.helpers import sign_in, statements_sent

AUGUST = datetime(2026, 8, 3, 2, 0, tzinfo=UTC)
PAGES = ["/manage/", "/manage/?period=2026-07", "/manage/unit/{code}", "/manage/unit/{code}?period=2026-08",
         "/manage/unit/{code}/report", "/manage/unit/{code}/trend.svg"]


@pytest.fixture
def two_provinces(app, session, province):
    """The small province P beside a second province Q (communes Q-01, Q-02), both with responses."""
    root = make_unit(session, "Q", UnitKind.PROVINCE, None, "Tỉnh thứ hai")
    units = {"Q": root}
    counters = {}
    for code in ("Q-01", "Q-02"):
        units[code] = make_unit(session, code, UnitKind.COMMUNE, root)
        counters[code] = Counter(unit_id=units[code].id, name=f"Quầy {code}",
                                 token=f"token-{code.lower()}-0123456789")
    session.add_all(counters.values())
    make_user(session, "commune", Role.UNIT_MANAGER, province.units["H-01"])
    make_user(session, "other", Role.PROVINCE_ADMIN, root)
    session.commit()
    other = Province(root, units, counters, province.services, {}, province.instruments)
    places = [(province, "D1"), (province, "H-01"), (province, "H-02"), (other, "Q-01"), (other, "Q-02")]
    for place, code in places:
        add_sipas(session, place, code, n=6, satisfied=4)
        add_sipas(session, place, code, n=3, satisfied=1, when=AUGUST, channel="paper", flagged=1)
        add_rated(session, place, code, "tt01-dossier", {"RATING": 1}, dossier={})
        add_rated(session, place, code, "quick-3", {"RATING": 3})
    tally.fold(get_engine(app))
    with app.app_context():
        yield province, other


def unit_ids_read(engine, sent: list[tuple[str, object]]) -> set[int]:
    """Return the unit ids of every row fetched by the recorded statements that read stored sums
    from table tally (each sent again as it was).
    """
    found = set()
    with engine.connect() as connection:
        for statement, parameters in sent:
            if "FROM tally" in statement and "tally.sums" in statement:
                result = connection.exec_driver_sql(statement, parameters)
                column = list(result.keys()).index("unit_id")
                found |= {row[column] for row in result}
    return found


def held_cells(app) -> tally.Cells:
    """Return the cells this app's pages keep (score pages read through the replica's store)."""
    return (app.extensions.get("hailong_tally_replica") or app.extensions["hailong_tally"]).cells


def subtree_ids(session, unit) -> set[int]:
    return {u.id for u in scores.subtree_units(session, unit)}


@pytest.mark.parametrize(("user", "code"), [("commune", "H-01"), ("district", "H"), ("admin", "P")])
def test_a_page_reads_only_the_tally_groups_of_its_scope(app, client, session, two_provinces, user, code):
    province, other = two_provinces
    scope = subtree_ids(session, province.units[code])
    sign_in(client, user)
    with statements_sent(get_engine(app)) as sent:
        for page in PAGES:
            assert client.get(page.format(code=code)).status_code == 200, page
    held = held_cells(app).held()
    fetched = unit_ids_read(get_engine(app), sent)
    assert fetched and held, "the pages read the tally"
    assert {unit_id for _, _, unit_id, _ in held} <= scope
    assert fetched <= scope and fetched & scope
    assert not fetched & subtree_ids(session, other.root)


def test_the_cache_keeps_to_its_bytes_and_a_large_scope_streams(app, client, session, two_provinces):
    province, _ = two_provinces
    filters = Filters(parse("2026-07-01..2026-08-31"))
    units = sorted(subtree_ids(session, province.root))

    def summed() -> list:
        sums = tally.sums("sipas-service", unit_ids=units, filters=filters,
                          by=["unit_id", "month", "channel"])
        return [sums.keys.to_dict("records"), sums.values.tolist()]

    roomy = summed()
    cells = app.extensions["hailong_tally"].cells
    one = max(cell.nbytes for _, cell in cells.items())
    assert cells.size <= cells.limit and len(cells.held()) == 2 * len(units)
    assert len(cells) == 2  # the province's units share a block of ids: a cell per month
    app.extensions.pop("hailong_tally")
    app.config["TALLY_CACHE_MB"] = 0.6 * one / 2**20  # no month's cell fits: the scope streams through
    assert summed() == roomy
    sign_in(client, "admin")
    for page in PAGES:
        assert client.get(page.format(code="P")).status_code == 200, page
        cells = held_cells(app)
        assert 0 < cells.size <= cells.limit
    assert summed() == roomy
    assert cells.size == sum(cell.nbytes for _, cell in cells.items()) <= cells.limit


def test_units_of_one_block_of_ids_share_a_cell_and_a_fold_drops_only_the_unit_it_changed(
        app, session, two_provinces):
    province, other = two_provinces
    july = Filters(parse("2026-07"))
    q1, q2 = other.units["Q-01"].id, other.units["Q-02"].id
    assert q1 // tally.cells.BLOCK == q2 // tally.cells.BLOCK  # a small database: one block of ids

    def n_of(unit_id: int) -> int:
        return int(tally.sums("sipas-service", unit_ids=[unit_id], filters=july, by=[]).n.sum())

    cells = tally.view().cells
    cells.clear()
    assert (n_of(q1), n_of(q2)) == (6, 6)
    assert sorted(unit for grain, _, unit, _ in cells.held() if grain == "unit") == [q1, q2]
    assert len([key for key, _ in cells.items() if key[0] == "unit"]) == 1  # one cell: the block, July
    with statements_sent(get_engine(app)) as sent:
        assert n_of(q1) == 6  # from the shared cell, its other unit left out
    assert not unit_ids_read(get_engine(app), sent)
    add_sipas(session, other, "Q-02", n=2, satisfied=2)
    tally.fold(get_engine(app))
    with statements_sent(get_engine(app)) as sent:
        assert (n_of(q1), n_of(q2)) == (6, 8)
    assert unit_ids_read(get_engine(app), sent) == {q2}  # the fold changed Q-02 alone
