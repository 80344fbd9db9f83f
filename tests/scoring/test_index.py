import numpy as np
import pandas as pd
import pytest
from scipy import stats

from scoring import (
    SIPAS_SERVICE,
    bootstrap_index,
    estimate_arrays,
    moments_from_patterns,
    patterns_from_responses,
    proportion_interval,
    score_groups,
    score_rollup,
    t_interval,
)


def score_responses(frame, structure, by=(), **options):
    patterns = patterns_from_responses(frame, by=by, structure=structure)
    moments = moments_from_patterns(patterns, by=by, structure=structure)
    return score_groups(moments, structure=structure, **options)


def brute_force(frame, structure):
    """Index and linearised variance straight from respondent rows (the definition)."""
    values = frame[list(structure.codes)].to_numpy(dtype=float)
    a = ~np.isnan(values)
    s = np.isin(values, sorted(structure.satisfied_levels))
    A, S = a.sum(0), s.sum(0)
    P = np.where(A > 0, S / np.maximum(A, 1), 0)
    c = np.zeros(len(structure.items))
    factors = [k for k in structure.factors
               if any(A[j] > 0 for j, i in enumerate(structure.items) if i.factor == k)]
    total_w = sum(structure.factor_weight(k) for k in factors)
    for k in factors:
        members = [j for j, i in enumerate(structure.items) if i.factor == k and A[j] > 0]
        v = sum(structure.items[j].weight for j in members)
        for j in members:
            c[j] = structure.factor_weight(k) * structure.items[j].weight / v / total_w
    z = ((s - P * a) * np.where(A > 0, c / np.maximum(A, 1), 0)).sum(1)
    n = len(frame)
    return (c * P).sum(), n / (n - 1) * (z**2).sum()


def test_twelve_respondents_example(twelve, one_factor):
    [g] = score_responses(twelve, one_factor)
    shares = [8 / 12, 9 / 12, 7 / 12, 8 / 12]
    assert [g.items[c].estimate for c in one_factor.codes] == pytest.approx(shares, abs=1e-12)
    assert g.index.estimate == pytest.approx(0.666667, abs=5e-7)
    assert g.index.se == pytest.approx(0.1205, abs=5e-5)
    t = t_interval(g.index.estimate, g.index.se, g.n)
    assert (t.ci_low, t.ci_high) == pytest.approx((0.401448, 0.931885), abs=1e-6)
    # pooling the 48 answers as if independent: too narrow
    pooled = proportion_interval(32, 48)
    assert (pooled.ci_low, pooled.ci_high) == pytest.approx((0.5254, 0.7832), abs=5e-5)
    binomial = sum(p * (1 - p) / 12 for p in (8 / 12, 9 / 12, 7 / 12, 8 / 12))
    assert g.index.deff == pytest.approx(g.index.se**2 / binomial * 16)
    assert g.index.deff > 3
    # n_eff = S(1-S)/V with S smoothed by a pseudo respondent of weight 2/12: about I(1-I)/se² = 15.3
    w = 2 / 12
    smooth = (12 * (2 / 3) + w / 2) / (12 + w)
    assert g.index.n_eff == pytest.approx(smooth * (1 - smooth) / g.index.se**2)
    assert g.index.n_eff == pytest.approx((2 / 3) * (1 / 3) / g.index.se**2, rel=0.03)
    # the design interval stays inside [0, 1], is wider than pooling and, at 12 respondents with
    # few degrees of freedom, wider than the t-interval too
    assert 0 < g.index.ci_low < t.ci_low and g.index.ci_high < 1
    assert g.index.ci_high - g.index.ci_low > pooled.ci_high - pooled.ci_low
    assert g.factors["A"].estimate == pytest.approx(g.index.estimate)


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_linearised_variance_matches_the_definition_with_missing_items(uneven, seed, random_responses):
    frame = random_responses(uneven, n=80, seed=seed)
    frame.loc[:, "C1"] = np.nan  # a whole factor without answers is dropped and the rest reweighted
    [g] = score_responses(frame, uneven)
    index, variance = brute_force(frame, uneven)
    assert g.index.estimate == pytest.approx(index, abs=1e-12)
    assert g.index.se**2 == pytest.approx(variance, rel=1e-10)
    assert np.isnan(g.factors["C"].estimate) and g.items["C1"].n == 0
    a = (g.factors["A"].estimate * 1 + g.factors["B"].estimate * 2) / 3
    assert g.index.estimate == pytest.approx(a, abs=1e-12)


def test_variances_taken_a_chunk_of_groups_at_a_time_match_the_definition(
    uneven, random_responses, monkeypatch
):
    monkeypatch.setattr("scoring.index.QUADRATIC_GROUPS", 3)  # seven groups: chunks of 3, 3 and 1
    frame = random_responses(uneven, n=280, seed=11)
    frame["unit"] = np.resize(list("ABCDEFG"), len(frame))
    scores = score_responses(frame, uneven, by=["unit"])
    assert [s.group["unit"] for s in scores] == list("ABCDEFG")
    for score in scores:
        index, variance = brute_force(frame[frame["unit"] == score.group["unit"]], uneven)
        assert score.index.estimate == pytest.approx(index, abs=1e-12)
        assert score.index.se**2 == pytest.approx(variance, rel=1e-10)


def test_merging_halves_equals_scoring_the_whole(random_responses):
    frame = random_responses(SIPAS_SERVICE, n=300, seed=7)
    first, second = frame.iloc[:140], frame.iloc[140:]
    moments = [moments_from_patterns(patterns_from_responses(f, by=["unit"], structure=SIPAS_SERVICE),
                                     by=["unit"], structure=SIPAS_SERVICE) for f in (first, second, frame)]
    merged = moments[0] + moments[1]
    whole = moments[2]
    order = [list(merged.index).index(u) for u in whole.index]
    np.testing.assert_array_equal(merged.n[order], whole.n)
    np.testing.assert_array_equal(merged.cross[order], whole.cross)
    a = score_groups(merged, structure=SIPAS_SERVICE)
    b = score_groups(whole, structure=SIPAS_SERVICE)
    assert {s.group["unit"]: s.index for s in a} == {s.group["unit"]: s.index for s in b}


def test_months_roll_up_to_quarters_by_addition(random_responses):
    frame = random_responses(SIPAS_SERVICE, n=200, seed=3)
    frame["month"] = np.resize([1, 2, 3], len(frame))
    monthly = moments_from_patterns(
        patterns_from_responses(frame, by=["unit", "month"], structure=SIPAS_SERVICE),
        by=["unit", "month"], structure=SIPAS_SERVICE,
    )
    quarter = moments_from_patterns(patterns_from_responses(frame, by=["unit"], structure=SIPAS_SERVICE),
                                    by=["unit"], structure=SIPAS_SERVICE)
    rolled = monthly.regroup(["unit"])
    assert list(rolled.index) == list(quarter.index)
    np.testing.assert_array_equal(rolled.totals, quarter.totals)
    np.testing.assert_array_equal(rolled.cross, quarter.cross)


def test_pattern_moments_are_weighted_not_expanded(one_factor):
    patterns = pd.DataFrame({"answered_mask": [0b1111, 0b0011], "satisfied_mask": [0b0101, 0b0001],
                             "n": [10**9, 3]})
    m = moments_from_patterns(patterns, structure=one_factor)
    assert m.n[0] == 10**9 + 3
    assert m.satisfied.iloc[0].tolist() == [10**9 + 3, 0, 10**9, 0]
    assert m.answered.iloc[0].tolist() == [10**9 + 3, 10**9 + 3, 10**9, 10**9]
    assert m.cross[0, 0, 4 + 1] == 10**9 + 3  # Σ s_1 a_2


@pytest.mark.parametrize(
    ("patterns", "message"),
    [
        ({"answered_mask": [1], "satisfied_mask": [2], "n": [1]},
         "satisfied_mask must be a subset of answered_mask; got 2 with 1"),
        ({"answered_mask": [16], "satisfied_mask": [0], "n": [1]},
         "answered_mask must be whole numbers in range; got 16"),
        ({"answered_mask": [1], "satisfied_mask": [0], "n": [-2]},
         "n must be whole numbers in range; got -2"),
        ({"answered_mask": [1], "n": [1]}, "lacks column 'satisfied_mask'"),
    ],
)
def test_pattern_histogram_validation(one_factor, patterns, message):
    with pytest.raises(ValueError) as error:
        moments_from_patterns(pd.DataFrame(patterns), structure=one_factor)
    assert message in str(error.value)


def test_responses_validation_echoes_the_value(one_factor):
    with pytest.raises(ValueError, match="item 'Q2' values must be in .* got 6"):
        patterns_from_responses(pd.DataFrame({"Q1": [5], "Q2": [6]}), structure=one_factor)


def test_all_satisfied_gives_zero_se_and_a_sensible_interval(one_factor):
    frame = pd.DataFrame(np.full((40, 4), 5.0), columns=list(one_factor.codes))
    [g] = score_responses(frame, one_factor)
    assert (g.index.estimate, g.index.se, g.index.ci_high) == (1.0, 0.0, 1.0)
    # the boundary-aware variance: as if the 40 respondents were all-or-nothing, plus a pseudo one
    # of weight 2/40
    assert g.index.n_eff == pytest.approx(40.075, abs=0.01)
    wilson_at_n = 40 / (40 + stats.norm.ppf(0.975) ** 2)
    assert wilson_at_n - 0.01 < g.index.ci_low < wilson_at_n
    assert g.verdict.status == "met"


def test_small_and_empty_groups(one_factor):
    patterns = pd.DataFrame({"unit": ["one", "silent"], "answered_mask": [0b1111, 0],
                             "satisfied_mask": [0b0111, 0], "n": [1, 5]})
    moments = moments_from_patterns(patterns, by=["unit"], structure=one_factor)
    one, silent = score_groups(moments, structure=one_factor)
    assert one.index.estimate == 0.75 and np.isnan(one.index.se) and one.index.n_eff > 1
    # one respondent says next to nothing about the others: an interval, never a missing one
    assert 0 <= one.index.ci_low < 0.75 < one.index.ci_high <= 1
    assert silent.n == 5 and np.isnan(silent.index.estimate) and np.isnan(silent.index.ci_low)
    # respondents who answered no index item do not count toward the minimum n
    assert silent.verdict.status == "insufficient" and silent.verdict.n == 0
    assert silent.verdict.more_needed == 30


def test_rollup_mean_of_units_and_pooled(uneven, random_responses):
    frame = random_responses(uneven, n=400, seed=11, groups=("u1", "u2", "u3"))
    frame["province"] = "P"
    frame.loc[frame.unit == "u3", "province"] = "Q"
    by = ["province", "unit"]
    patterns = patterns_from_responses(frame, by=by, structure=uneven)
    moments = moments_from_patterns(patterns, by=by, structure=uneven)
    units = {s.group["unit"]: s for s in score_groups(moments, structure=uneven)}
    mean = {s.group["province"]: s for s in score_rollup(moments, by=["province"], structure=uneven)}
    pooled = {s.group["province"]: s
              for s in score_rollup(moments, by=["province"], structure=uneven, combine="pooled")}
    p = mean["P"]
    assert p.index.estimate == pytest.approx((units["u1"].index.estimate + units["u2"].index.estimate) / 2)
    assert p.index.se == pytest.approx(np.hypot(units["u1"].index.se, units["u2"].index.se) / 2)
    a1 = (units["u1"].items["A1"].estimate + units["u2"].items["A1"].estimate) / 2
    assert p.items["A1"].estimate == pytest.approx(a1)
    assert p.n == units["u1"].n + units["u2"].n == pooled["P"].n
    assert mean["Q"].index.estimate == pytest.approx(units["u3"].index.estimate)
    [whole] = score_responses(frame[frame.province == "P"], uneven)
    assert pooled["P"].index == whole.index


def test_bootstrap_agrees_with_the_linearised_se(random_responses):
    frame = random_responses(SIPAS_SERVICE, n=400, seed=5, groups=("g",))
    patterns = patterns_from_responses(frame, structure=SIPAS_SERVICE)
    [g] = score_groups(moments_from_patterns(patterns, structure=SIPAS_SERVICE), structure=SIPAS_SERVICE)
    boot = bootstrap_index(patterns, structure=SIPAS_SERVICE, reps=1500, seed=2)
    assert boot.estimate == pytest.approx(g.index.estimate, abs=1e-12)
    assert boot.se == pytest.approx(g.index.se, rel=0.1)
    assert boot.ci_low < g.index.estimate < boot.ci_high


def test_estimates_refuse_moments_of_another_structure(one_factor):
    patterns = pd.DataFrame({"answered_mask": [1], "satisfied_mask": [1], "n": [3]})
    with pytest.raises(ValueError, match="moments are over items"):
        estimate_arrays(moments_from_patterns(patterns, structure=one_factor), structure=SIPAS_SERVICE)


def test_no_groups_score_to_an_empty_list():
    patterns = pd.DataFrame({"unit": [], "answered_mask": [], "satisfied_mask": [], "n": []})
    moments = moments_from_patterns(patterns, by=["unit"], structure=SIPAS_SERVICE)
    assert len(moments) == 0 and score_groups(moments, structure=SIPAS_SERVICE) == []
