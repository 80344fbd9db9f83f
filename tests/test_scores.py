"""The score service: scopes, roll-ups, the tally against live counting, settings, sorting."""

import json
from datetime import UTC, datetime

import pandas as pd
import pytest

import scoring
from survey import scores
from survey.scores import cache, sections, service
from survey.scores.settings import structure_of
from tests.factories import add_sipas, verdict_mix


@pytest.fixture
def mixed(app, session, province):
    verdict_mix(session, province)
    with app.app_context():
        yield province


def by_unit(table) -> dict:
    return {row["unit"]: row for row in table.rows}


def test_children_get_their_verdicts_with_the_settings(session, mixed):
    table = scores.score_scope(session, unit=mixed.root, period="2026-07")
    rows = by_unit(table)
    assert list(rows) == ["D1", "D2", "H"]
    assert rows["D1"]["index"]["estimate"] == 1.0 and rows["D1"]["verdict"]["status"] == "met"
    assert rows["D2"]["index"]["estimate"] == 0.5 and rows["D2"]["verdict"]["status"] == "not-met"
    settings = {"target": 0.9, "confidence_level": 0.95, "sides": "one-sided", "min_n": 30,
                "method": "agresti-coull"}
    assert rows["D1"]["verdict"] | settings == rows["D1"]["verdict"]
    json.dumps(table.to_dict())  # plain data all the way down


def test_a_parent_is_the_mean_of_its_units(session, mixed):
    table = scores.score_scope(session, unit=mixed.units["H"], period="2026-07", level="all")
    rows = by_unit(table)
    assert rows["H-01"]["index"]["estimate"] == pytest.approx(0.925)
    assert rows["H-01"]["verdict"]["status"] == "inconclusive" and rows["H-01"]["verdict"]["more_needed"] > 0
    assert rows["H-02"]["verdict"]["status"] == "insufficient" and rows["H-02"]["n"] == 10
    assert rows["H"]["n"] == 50 and rows["H"]["index"]["estimate"] == pytest.approx((0.925 + 0.9) / 2)
    province = scores.score_scope(session, unit=mixed.root, period="2026-07", level="self")
    assert [row["unit"] for row in province.rows] == ["P"]
    assert province.scope["index"]["estimate"] == pytest.approx((1.0 + 0.5 + 0.925 + 0.9) / 4)


def test_pooled_combination_is_a_setting(session, mixed):
    settings = scores.Settings(combine="pooled")
    table = scores.score_scope(session, unit=mixed.root, period="2026-07", level="self", settings=settings)
    assert table.scope["index"]["estimate"] == pytest.approx((60 + 30 + 37 + 9) / 170)
    assert table.settings["combine"] == "pooled"


def test_scores_match_scoring_on_the_raw_histogram(session, mixed):
    table = scores.score_scope(session, unit=mixed.units["D2"], period="2026-07", level="self")
    structure = structure_of(scores.sipas_instrument())
    histogram = pd.DataFrame({"answered_mask": [(1 << 17) - 1] * 2, "satisfied_mask": [(1 << 17) - 1, 0],
                              "n": [30, 30]})
    moments = scoring.moments_from_patterns(histogram, structure=structure)
    [expected] = scoring.score_groups(moments, structure=structure)
    got = table.scope["index"]
    assert got["estimate"] == pytest.approx(expected.index.estimate)
    assert got["ci_low"] == pytest.approx(expected.index.ci_low, rel=1e-6)
    assert got["ci_high"] == pytest.approx(expected.index.ci_high, rel=1e-6)


def test_tally_and_live_counting_agree(session, mixed):
    aligned = scores.score_scope(session, unit=mixed.root, period="2026-07", level="all")
    ranged = scores.score_scope(session, unit=mixed.root, period="2026-07-01..2026-07-30", level="all")
    for a, b in zip(aligned.rows, ranged.rows, strict=True):
        assert a["unit"] == b["unit"] and a["n"] == b["n"]
        for key in ("estimate", "ci_low", "ci_high"):
            assert (a["index"][key] == pytest.approx(b["index"][key], rel=1e-9)
                    or a["index"][key] is b["index"][key])


def test_new_and_flagged_responses_reach_the_tally(session, mixed):
    before = scores.score_scope(session, unit=mixed.root, period="2026-07", level="all")
    assert by_unit(before)["D2"]["n"] == 60
    add_sipas(session, mixed, "D2", n=20, satisfied=20)
    after = by_unit(scores.score_scope(session, unit=mixed.root, period="2026-07", level="all"))
    assert after["D2"]["n"] == 80 and after["D2"]["index"]["estimate"] == pytest.approx(50 / 80)
    left_out = by_unit(scores.score_scope(session, unit=mixed.root, period="2026-07", level="all",
                                          include_flagged=False))
    assert left_out["D2"]["n"] == 75 and left_out["D2"]["index"]["estimate"] == pytest.approx(45 / 75)


def test_filters_by_service_and_channel(session, mixed):
    add_sipas(session, mixed, "D1", n=5, satisfied=0, service="1.001193", channel="paper")
    served = scores.score_scope(session, unit=mixed.root, period="2026-07", level="self", service="1.001193")
    assert served.scope["n"] == 5 and served.scope["index"]["estimate"] == 0
    paper = scores.score_scope(session, unit=mixed.root, period="2026-07", level="self", channel="paper")
    assert paper.scope["n"] == 5
    with pytest.raises(LookupError, match="9.999"):
        scores.score_scope(session, unit=mixed.root, period="2026-07", service="9.999")


def test_empty_units_are_insufficient_not_errors(session, mixed):
    table = scores.score_scope(session, unit=mixed.root, period="2025-01")
    assert {row["verdict"]["status"] for row in table.rows} == {"insufficient"}
    assert all(row["n"] == 0 and row["index"]["estimate"] is None for row in table.rows)
    with pytest.raises(ValueError, match="level"):
        scores.score_scope(session, unit=mixed.root, period="2025-01", level="everything")


def test_sorting(session, mixed):
    rows = scores.score_scope(session, unit=mixed.root, period="2026-07").rows
    assert [r["unit"] for r in scores.sort_rows(rows, "index")] == ["D2", "H", "D1"]
    assert [r["unit"] for r in scores.sort_rows(rows, "-n")] == ["D1", "D2", "H"]
    assert [r["unit"] for r in scores.sort_rows(rows, "verdict")] == ["D2", "H", "D1"]
    assert [r["unit"] for r in scores.sort_rows(rows, "nonsense")] == ["D1", "D2", "H"]


def test_cached_scores_follow_the_data_version(session, mixed):
    first = scores.cached_score_scope(session, unit=mixed.root, period="2026-07")
    assert scores.cached_score_scope(session, unit=mixed.root, period="2026-07") is first
    add_sipas(session, mixed, "D1", n=1, satisfied=0)
    again = scores.cached_score_scope(session, unit=mixed.root, period="2026-07")
    assert again is not first and by_unit(again)["D1"]["n"] == 61
    cache.clear()
    recounted = scores.cached_score_scope(session, unit=mixed.root, period="2026-07")
    assert recounted is not again and by_unit(recounted)["D1"]["n"] == 61


@pytest.mark.parametrize("period", ["2026", "2026-07-01..2026-08-20"])
def test_a_trend_scored_a_month_at_a_time_is_the_same(session, mixed, monkeypatch, period):
    """Large subtrees score their trend a few months at a time (sections.TREND_GROUPS): nothing changes."""
    add_sipas(session, mixed, "H-02", n=40, satisfied=31, when=datetime(2026, 8, 10, 3, 0, tzinfo=UTC))
    units = scores.subtree_units(session, mixed.root)
    filters = scores.make_filters(session, period)
    at_once = scores.trend(session, units, filters, scores.Settings())
    monkeypatch.setattr(sections, "TREND_GROUPS", 1)
    assert scores.trend(session, units, filters, scores.Settings()) == at_once
    with_data = {row["month"]: row["n"] for row in at_once if row["n"]}
    assert list(with_data) == ["2026-07", "2026-08"] and with_data["2026-08"] == 40


def test_each_leaf_goes_to_every_target_holding_it_in_target_order(session, mixed):
    """expand_to_ancestors looks up each leaf's ancestors; the plain double loop is the reference."""
    units = scores.subtree_units(session, mixed.root)
    moments, _ = service.leaf_moments(session, units, scores.make_filters(session, "2026-07"))
    paths = {u.id: u.path for u in units}
    leaf_paths = [paths[int(i)] for i in moments.index]
    targets = [("", "everything")] + [(u.path, u.code, i % 2) for i, u in enumerate(reversed(units))]
    targets.append((units[1].path, "again", 0))  # a second label for one prefix
    expanded, labels = service.expand_to_ancestors(moments, leaf_paths, targets)
    expected = [(position, tuple(label)) for position, path in enumerate(leaf_paths)
                for prefix, *label in targets if path.startswith(prefix)]
    assert labels == [label for _, label in expected] and len(labels) > 2 * len(leaf_paths)
    assert expanded.n.tolist() == [moments.n[position] for position, _ in expected]
