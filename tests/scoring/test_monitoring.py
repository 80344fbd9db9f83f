import numpy as np
import pandas as pd
import pytest
from scipy import stats

from scoring import (
    BetaPrior,
    fit_beta_prior,
    funnel_limits,
    p_chart,
    post_stratify,
    shrink_estimates,
)


def test_funnel_limits_contain_the_target_and_narrow_with_n():
    n = np.array([10, 30, 100, 300, 1000, 10000])
    f = funnel_limits(n, target=0.9)
    assert list(f.columns) == ["n", "lower_0.95", "upper_0.95", "lower_0.998", "upper_0.998"]
    assert ((f["lower_0.998"] <= f["lower_0.95"]) & (f["lower_0.95"] < 0.9)).all()
    assert ((f["upper_0.95"] > 0.9) & (f["upper_0.95"] <= f["upper_0.998"])).all()
    assert (np.diff(f["upper_0.95"] - f["lower_0.95"]) < 0).all()
    assert (np.diff(f["upper_0.998"] - f["lower_0.998"]) < 0).all()


@pytest.mark.parametrize("n", [20, 57, 250, 4000])
@pytest.mark.parametrize("p", [0.025, 0.975, 0.001, 0.999])
def test_funnel_limits_interpolate_within_the_binomial_quantile_step(n, p):
    level = 1 - 2 * min(p, 1 - p)
    side = "lower" if p < 0.5 else "upper"
    limit = funnel_limits([n], target=0.9, levels=(level,))[f"{side}_{level:g}"][0]
    r = stats.binom.ppf(p, n, 0.9)
    assert (r - 1) / n <= limit <= r / n
    # Spiegelhalter (2005) appendix: r_p − (F(r_p) − p) / (F(r_p) − F(r_p − 1))
    f_r, f_below = stats.binom.cdf([r, r - 1], n, 0.9)
    assert limit == pytest.approx((r - (f_r - p) / (f_r - f_below)) / n, abs=1e-12)


def test_funnel_limits_approach_the_normal_ones():
    n = 100000
    f = funnel_limits([n], target=0.9)
    half = stats.norm.ppf(0.975) * np.sqrt(0.9 * 0.1 / n)
    assert f["lower_0.95"][0] == pytest.approx(0.9 - half, abs=2e-5)
    assert f["upper_0.95"][0] == pytest.approx(0.9 + half, abs=2e-5)


def test_funnel_no_data_and_validation():
    assert funnel_limits([0]).iloc[0, 1:].isna().all()
    with pytest.raises(ValueError, match="target must be in"):
        funnel_limits([10], target=90)
    with pytest.raises(ValueError, match="got 99.8"):
        funnel_limits([10], levels=(99.8,))


def test_p_chart_limits_and_signals():
    months = pd.Series([180, 150, 196, 0], index=["2025-01", "2025-02", "2025-03", "2025-04"])
    n = pd.Series([200, 200, 200, 0], index=months.index)
    chart = p_chart(months, n)
    centre = 526 / 600
    half = 3 * np.sqrt(centre * (1 - centre) / 200)
    assert chart.centre.iloc[0] == pytest.approx(centre)
    assert chart.lcl.iloc[0] == pytest.approx(centre - half)
    assert chart.ucl.iloc[0] == pytest.approx(centre + half)
    assert list(chart.signal) == ["", "below", "above", "no data"]
    assert p_chart([10], [10], centre=0.99).ucl[0] == 1.0  # clipped


def test_beta_prior_fits_recover_a_known_spread():
    rng = np.random.default_rng(4)
    n = rng.integers(50, 300, 400)
    x = rng.binomial(n, rng.beta(18, 2, 400))
    for method in ("moments", "ml"):
        prior = fit_beta_prior(x, n, method=method)
        assert prior.mean == pytest.approx(0.9, abs=0.01)
        assert 14 < prior.strength < 28
        assert prior.alpha == pytest.approx(prior.mean * prior.strength)


def test_no_spread_means_full_pooling():
    prior = fit_beta_prior([90, 90, 90], [100, 100, 100])
    assert prior.strength == np.inf
    shrunk = shrink_estimates([90, 9], [100, 10], prior=prior)
    assert shrunk.shrunk.tolist() == [0.9, 0.9]


def test_shrinkage_pulls_small_units_more():
    s = shrink_estimates([10, 100], [10, 100], prior=BetaPrior(0.8, 10))
    assert s.shrunk.tolist() == pytest.approx([18 / 20, 108 / 110])
    assert s.weight.tolist() == pytest.approx([0.5, 100 / 110])


def test_fit_needs_two_units():
    with pytest.raises(ValueError, match="at least 2 units with data; got 1"):
        fit_beta_prior([5, 0], [10, 0])


def test_post_stratification_keeps_the_unweighted_figure():
    x = pd.Series({"kiosk": 45, "counter-qr": 80, "receipt-qr": 18})
    n = pd.Series({"kiosk": 50, "counter-qr": 100, "receipt-qr": 30})
    shares = {"kiosk": 0.5, "counter-qr": 0.3, "receipt-qr": 0.2}
    r = post_stratify(x, n, shares=shares)
    assert r.estimate == pytest.approx(0.5 * 0.9 + 0.3 * 0.8 + 0.2 * 0.6)
    smooth = {h: (x[h] + 0.5) / (n[h] + 1) for h in x.index}
    var = sum(shares[h] ** 2 * smooth[h] * (1 - smooth[h]) / n[h] for h in x.index)
    assert r.se == pytest.approx(np.sqrt(var))
    assert r.n_eff == pytest.approx(r.estimate * (1 - r.estimate) / var)
    assert r.ci_low < r.estimate < r.ci_high
    assert r.unweighted.estimate == pytest.approx(143 / 180)
    assert r.status == "ok"


def test_a_stratum_at_100_percent_still_adds_variance():
    """5/5 with weight 0.5 beside 45/50: the effective n stays near the 55 respondents, not 112."""
    r = post_stratify(pd.Series({"a": 5, "b": 45}), pd.Series({"a": 5, "b": 50}), shares={"a": 0.5, "b": 0.5})
    assert r.estimate == pytest.approx(0.95) and r.n_eff < 55


def test_post_stratification_problems():
    x, n = pd.Series({"kiosk": 5}), pd.Series({"kiosk": 10})
    assert post_stratify(x, n, shares={"kiosk": 0.5, "paper": 0.5}).status == "no data for stratum 'paper'"
    with pytest.raises(ValueError, match="sum to 1; got"):
        post_stratify(x, n, shares={"kiosk": 0.5})
    with pytest.raises(ValueError, match="stratum 'kiosk' has data but no share"):
        post_stratify(x, n, shares={"paper": 1.0})
