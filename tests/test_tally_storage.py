"""Stored tally rows: each in the narrowest type that holds its sums; older int32 rows read as they are."""

import numpy as np
import pytest
from sqlalchemy import select, text

from survey import scores
from survey.db import get_engine
from survey.models import Tally
from survey.periods import parse
from survey.scores import Filters, service, tally
from tests.factories import add_rated, add_sipas

JULY = Filters(parse("2026-07"))


@pytest.mark.parametrize("top, size", [(0, 1), (255, 1), (256, 2), (65535, 2), (65536, 4), (2**31 - 1, 4)])
def test_a_row_takes_the_narrowest_type_that_holds_its_largest_sum(top, size):
    data = tally.encode(np.array([top, 0, 7]))
    assert len(data) == 3 * size
    assert tally.decode(data, 3).tolist() == [top, 0, 7]


def test_a_row_that_does_not_hold_its_layout_is_refused():
    with pytest.raises(ValueError, match="5 bytes does not hold 3 sums"):
        tally.decode(b"\x01" * 5, 3)
    with pytest.raises(ValueError, match="24 bytes does not hold 3 sums"):  # 8 bytes a sum is not stored
        tally.decode(b"\x01" * 24, 3)
    with pytest.raises(OverflowError):
        tally.encode(np.array([3, -1]))


def rows(session, unit_id: int) -> list[tuple[str, int, bytes]]:
    """Return the stored (grain, instrument, sums) of a unit."""
    found = session.execute(select(Tally.grain, Tally.instrument_id, Tally.sums)
                            .where(Tally.unit_id == unit_id).order_by(Tally.id)).all()
    session.commit()
    return [tuple(row) for row in found]


def test_a_group_widens_as_a_fold_adds_to_it(app, session, province):
    engine = get_engine(app)
    unit = province.units["D1"]
    add_sipas(session, province, "D1", n=3, satisfied=3)
    assert tally.fold(engine) == tally.Folded(responses=3)
    widths = tally.widths(session.connection())
    small = rows(session, unit.id)
    assert {grain for grain, _, _ in small} == {"counter", "service", "unit"}
    # Every sum counts responses (values, answered and satisfied items): 3 fit in one byte a sum.
    assert all(len(sums) == widths[instrument] for _, instrument, sums in small)
    assert max(max(tally.decode(sums, widths[instrument])) for _, instrument, sums in small) == 3
    add_sipas(session, province, "D1", n=253, satisfied=253)
    assert tally.fold(engine) == tally.Folded(responses=253)
    grown = rows(session, unit.id)
    assert all(len(sums) == 2 * widths[instrument] for _, instrument, sums in grown)
    assert [int(tally.decode(sums, widths[instrument])[0]) for _, instrument, sums in grown] == [256] * 3
    tally.rebuild(engine)
    assert rows(session, unit.id) == grown  # the same bytes as counting every response again


def figures(session, province) -> dict:
    """What pages read of the province in July: its units' moments, ratings, respondents."""
    units = scores.subtree_units(session, province.root)
    moments, _ = service.leaf_moments(session, units, JULY)
    by_unit = tally.respondent_groups("sipas-service", unit_ids=[u.id for u in units], filters=JULY,
                                      by=["unit_id"])
    channels = tally.sums("sipas-service", unit_ids=[u.id for u in units], filters=JULY, by=["channel"])
    return {"n": moments.n.tolist(), "totals": moments.totals.tolist(),
            "channels": dict(zip(channels.keys["channel"], channels.values.tolist(), strict=True)),
            "ratings": scores.ratings(session, units, JULY, scores.Settings()),
            "respondents": dict(zip(by_unit["unit_id"], by_unit["n"], strict=True))}


def test_rows_stored_as_int32_read_the_same_and_a_fold_narrows_them(app, session, province):
    engine = get_engine(app)
    add_sipas(session, province, "D1", n=300, satisfied=250)
    add_sipas(session, province, "D1", n=2, satisfied=1, channel="paper")  # its cells mix two types
    add_sipas(session, province, "H-01", n=4, satisfied=1, channel="paper")
    for value in (3, 2, 1):
        add_rated(session, province, "H-01", "quick-3", {"RATING": value, "REASONS": 0b101})
    tally.fold(engine)
    widths = tally.widths(session.connection())
    with app.app_context():
        narrow = figures(session, province)
        assert narrow["respondents"] == {province.units["D1"].id: 302, province.units["H-01"].id: 4}
        by_channel = {channel: sums[0] for channel, sums in narrow["channels"].items()}
        assert by_channel == {"counter-qr": 300, "paper": 6}
        stored = session.execute(select(Tally.id, Tally.instrument_id, Tally.sums)).all()
        assert {len(sums) // widths[instrument] for _, instrument, sums in stored} == {1, 2}
        # Rows as every fold wrote them before narrow rows: four bytes a sum.
        for row_id, instrument, sums in stored:
            wide = tally.decode(sums, widths[instrument]).astype("<i4").tobytes()
            session.execute(text("UPDATE tally SET sums = :s WHERE id = :i"), {"s": wide, "i": row_id})
        session.commit()
        tally.view().cells.clear()
        assert figures(session, province) == narrow
        add_sipas(session, province, "H-01", n=1, satisfied=1, channel="paper")
        tally.fold(engine)
        rewritten = rows(session, province.units["H-01"].id)
        assert {len(sums) // widths[instrument] for grain, instrument, sums in rewritten
                if instrument == province.instruments["sipas-service"].id} == {1}
        assert figures(session, province)["respondents"][province.units["H-01"].id] == 5
