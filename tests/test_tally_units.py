"""The tally's unit grain: kept by every fold, derived for an older tally, and what default pages read."""

from datetime import UTC, datetime

import numpy as np
import pytest
from sqlalchemy import delete, func, select

from survey import scores
from survey.db import get_engine
from survey.models import Tally, TallyUnready
from survey.periods import parse
from survey.scores import Filters, tally
from tests.factories import add_rated, add_sipas
from tests.helpers import sign_in, statements_sent

AUGUST = datetime(2026, 8, 3, 2, 0, tzinfo=UTC)


@pytest.fixture
def data(app, session, province):
    """SIPAS responses at several units, counters, channels and months, some flagged, and a rated form."""
    add_sipas(session, province, "D1", n=7, satisfied=3, service="1.001193", channel="paper", flagged=2)
    add_sipas(session, province, "D1", n=3, satisfied=2, channel="kiosk")
    add_sipas(session, province, "H-01", n=5, satisfied=5, when=AUGUST)
    add_sipas(session, province, "H-01", n=4, satisfied=1, channel="paper", flagged=1)
    add_rated(session, province, "H-02", "quick-3", {"RATING": 2})
    session.commit()
    with app.app_context():
        yield province


def stored(session, grain: str) -> dict:
    """Return the stored groups of a grain: (instrument, unit, part, month, channel, flag) → sums."""
    rows = session.execute(select(Tally).where(Tally.grain == grain)).scalars().all()
    widths = tally.widths(session.connection())
    session.commit()
    return {(r.instrument_id, r.unit_id, r.part_id, r.month, r.channel, r.suspicious):
            tally.decode(r.sums, widths[r.instrument_id]).tolist() for r in rows}


def counter_sums(session) -> dict:
    """Return the counter groups summed per instrument, unit, month and flag, keyed as unit groups."""
    summed: dict = {}
    for (instrument, unit, _, month, _, flag), sums in stored(session, "counter").items():
        key = (instrument, unit, 0, month, "", flag)
        summed[key] = (np.array(summed.get(key, 0)) + sums).tolist()
    return summed


def test_every_fold_keeps_the_unit_groups_the_sum_of_the_counter_groups(session, data):
    engine = get_engine()
    tally.fold(engine, batch=4)
    first = stored(session, "unit")
    assert first == counter_sums(session) and len(first) < len(stored(session, "counter"))
    assert all(channel == "" and part == 0 for _, _, part, _, channel, _ in first)
    add_sipas(session, data, "D1", n=2, satisfied=2, channel="kiosk")
    session.commit()
    tally.fold(engine)
    assert stored(session, "unit") == counter_sums(session) != first


def test_an_older_tally_reads_the_counter_grain_until_the_unit_grain_is_derived(app, runner, session, data):
    engine = get_engine()
    tally.fold(engine)
    folded = stored(session, "unit")
    # As the migration leaves a database whose tally predates the grain: counter groups, no unit ones.
    session.execute(delete(Tally).where(Tally.grain == "unit"))
    session.add(TallyUnready(grain="unit"))
    session.commit()
    units = [u.id for u in scores.subtree_units(session, data.root)]
    july = Filters(parse("2026-07-01..2026-08-31"))
    expected = tally.sums("sipas-service", unit_ids=units, filters=july, by=["unit_id"])
    assert expected.n.sum() == 19
    # Responses folded meanwhile add to unit groups that are not complete yet: still not read.
    add_sipas(session, data, "H-02", n=2, satisfied=1)
    session.commit()
    tally.fold(engine)
    assert stored(session, "unit") and not tally.view().unit_ready
    result = runner.invoke(args=["tally", "--derive"])
    assert result.exit_code == 0, result.output
    assert "per-unit groups" in result.output
    assert session.scalar(select(func.count()).select_from(TallyUnready)) == 0
    derived = stored(session, "unit")
    assert derived == counter_sums(session) and set(folded) <= set(derived)
    assert tally.view().unit_ready
    after = tally.sums("sipas-service", unit_ids=units, filters=july, by=["unit_id"])
    assert after.n.sum() == 21
    # The counter cells read before the grain was derived are still true, and kept.
    assert {grain for grain, *_ in tally.view().cells.held()} == {"counter", "unit"}
    session.add(TallyUnready(grain="unit"))
    session.commit()
    tally.rebuild(engine)  # counts every grain anew: nothing is left to derive
    assert stored(session, "unit") == derived and tally.view().unit_ready


GRAINS = ("counter", "service", "unit", "dossier")


def grains_read(sent: list[tuple[str, object]]) -> tuple[list[str], list[str]]:
    """Return the grain of every statement that read stored groups from table tally: (whole groups,
    their respondents only).
    """
    whole, respondents = [], []
    for statement, parameters in sent:
        if "FROM tally" in statement and "sums" in statement:
            values = parameters.values() if isinstance(parameters, dict) else parameters
            grain = next(v for v in values if v in GRAINS)
            # Response rates read each group's first 4 bytes (respondents) alone.
            (respondents if "substr" in statement.lower() else whole).append(grain)
    return whole, respondents


@pytest.mark.parametrize("page", ["/manage/", "/manage/?flagged=exclude&period=2026-07",
                                  "/manage/?period=2026-08", "/manage/?flagged=exclude"])
def test_a_default_overview_reads_unit_groups_only(app, client, session, data, page):
    tally.fold(get_engine(app))
    sign_in(client, "admin")
    with statements_sent(get_engine(app)) as sent:
        assert client.get(page).status_code == 200
    whole, respondents = grains_read(sent)
    # Sums of units (and the dossier facts, a grain of their own); the response rates read the
    # respondents (4 bytes a group) of service groups once, per unit, month and procedure.
    assert set(whole) == {"unit", "dossier"}, whole
    assert set(respondents) == {"service"}


def test_a_unit_page_reads_unit_groups_beside_its_counters_and_channels(app, client, session, data):
    tally.fold(get_engine(app))
    sign_in(client, "admin")
    with statements_sent(get_engine(app)) as sent:
        assert client.get("/manage/unit/H").status_code == 200
    whole, _ = grains_read(sent)
    # The trend, the sub-unit table and the ratings from unit groups; the counter table and the
    # channel counts from counter groups.
    assert {"unit", "counter"} <= set(whole)
