import numpy as np
import pytest
from scipy import stats

from scoring import adjust_pvalues, verdict, verdicts


def test_hundred_percent_needs_thirty_by_default():
    assert verdict(1.0, 29).status == "insufficient"
    assert verdict(1.0, 30).status == "met"


def test_exact_bound_cannot_show_met_below_29():
    """METHOD.md: with one-sided 5%, even 100% satisfied cannot show met below n = 29."""
    below = verdict(1.0, 28, method="clopper-pearson", min_n=0)
    at = verdict(1.0, 29, method="clopper-pearson", min_n=0)
    assert below.status == "inconclusive" and below.ci_low == pytest.approx(0.05 ** (1 / 28))
    assert at.status == "met" and at.ci_low == pytest.approx(0.05 ** (1 / 29))
    assert below.more_needed >= 1


def test_verdict_prints_its_settings():
    v = verdict(0.95, 200, target=0.9, confidence_level=0.95, sides="two-sided")
    assert (v.status, v.target, v.confidence_level, v.sides) == ("met", 0.9, 0.95, "two-sided")
    assert v.label == "met (target 90%, 95% two-sided)"
    assert v.more_needed is None


def test_met_not_met_and_the_boundary():
    assert verdict(0.80, 400).status == "not-met"
    # lower bound exactly at the target is met: find the x/n whose one-sided Wilson lower bound is 0.9
    n = 1000
    assert verdict(0.93, n).ci_low > 0.9
    lower = verdict(0.93, n).ci_low
    assert verdict(0.93, n, target=lower).status == "met"
    assert verdict(0.93, n, target=lower + 1e-9).status == "inconclusive"


def test_sidedness_matters():
    one = verdict(0.93, 400, sides="one-sided")
    two = verdict(0.93, 400, sides="two-sided")
    assert two.ci_low < one.ci_low


@pytest.mark.parametrize(("estimate", "n"), [(0.92, 100), (0.87, 150), (0.94, 60)])
def test_more_needed_settles_with_the_stated_probability(estimate, n):
    """If the truth is the estimate, n + more_needed respondents settle the verdict ~80% of the time."""
    v = verdict(estimate, n, volume=10**4)
    assert v.status == "inconclusive" and v.power == 0.8 and v.reachable
    total = n + v.more_needed
    draws = np.random.default_rng(7).binomial(total, estimate, size=4000)
    settled = verdicts(draws / total, np.full(4000, total)).status.isin(["met", "not-met"]).mean()
    assert 0.75 <= settled <= 0.88, settled
    # the break-even count at the current estimate (the old figure) settles only about half the time
    assert v.more_needed > 1.5 * ((stats.norm.isf(0.05) ** 2 * estimate * (1 - estimate)
                                   / (estimate - 0.9) ** 2) - n)


def test_more_needed_beyond_reach_says_so():
    near = verdict(0.901, 200)
    assert near.status == "inconclusive" and near.more_needed is None and not near.reachable
    assert verdict(0.901, 200, volume=10**7).more_needed > 10**5
    assert verdict(0.95, 200).reachable
    assert not verdict(0.92, 100).reachable and verdict(0.92, 100, volume=1000).reachable


def test_more_needed_is_none_at_the_target_and_counts_up_to_min_n():
    assert verdict(0.9, 100).more_needed is None
    assert verdict(1.0, 10).more_needed >= 20
    assert verdict(0.95, 10).more_needed > verdict(0.95, 30).more_needed > 0
    assert verdict(float("nan"), 0).more_needed == 30


def test_no_data_is_insufficient_in_a_batch():
    frame = verdicts([np.nan, 0.95], [0, 500])
    assert list(frame.status) == ["insufficient", "met"]


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"target": 1.5}, "target must be in [0, 1]; got 1.5"),
        ({"sides": "left"}, "got 'left'"),
        ({"confidence_level": 0}, "confidence_level must be in (0, 1); got 0"),
        ({"min_n": -1}, "min_n must be a whole number >= 0; got -1"),
        ({"method": "wald"}, "got 'wald'"),
    ],
)
def test_validation(kwargs, message):
    with pytest.raises(ValueError) as error:
        verdict(0.9, 100, **kwargs)
    assert message in str(error.value)


def test_bh_matches_scipy_and_holm_matches_its_definition():
    p = np.array([0.001, 0.2, 0.03, 0.04, 0.5, 0.012])
    np.testing.assert_allclose(adjust_pvalues(p, method="bh"), stats.false_discovery_control(p), atol=1e-15)
    order = np.argsort(p)
    holm = np.maximum.accumulate([min(1, (len(p) - i) * p[j]) for i, j in enumerate(order)])
    np.testing.assert_allclose(adjust_pvalues(p, method="holm")[order], holm)


@pytest.mark.parametrize("method", ["wilson", "clopper-pearson", "jeffreys", "agresti-coull", "wilsoncc"])
def test_unadjusted_p_values_reproduce_the_interval_verdicts(method):
    estimates = [0.95, 0.93, 0.91, 0.85, 0.89]
    n = [300, 300, 300, 300, 300]
    plain = verdicts(estimates, n, method=method)
    # Holm with a single unit is no adjustment at all
    for i in range(len(n)):
        single = verdicts([estimates[i]], [n[i]], method=method, adjust="holm")
        assert single.status[0] == plain.status[i]


def test_adjustment_is_more_conservative():
    estimates = np.array([0.95, 0.935, 0.93, 0.925, 0.86, 0.88])
    n = np.full(6, 400)
    plain = verdicts(estimates, n)
    holm = verdicts(estimates, n, adjust="holm")
    bh = verdicts(estimates, n, adjust="bh")
    settled = lambda f: set(np.flatnonzero(f.status.isin(["met", "not-met"])))  # noqa: E731
    assert settled(holm) <= settled(bh) <= settled(plain)
    assert settled(holm) < settled(plain)
    assert holm.status[0] == "met"
