"""The difference-of-indices test: z and p-values worked out by hand, edge cases, validation."""

import math

import pytest

from scoring import index_change


def test_a_fall_of_ten_points_with_these_errors_is_significant():
    change = index_change(0.90, 0.02, 0.80, 0.03, alternative="less")
    assert change.difference == pytest.approx(-0.10)
    assert change.se == pytest.approx(math.sqrt(0.02**2 + 0.03**2))
    assert change.z == pytest.approx(-2.7735, abs=1e-4)
    assert change.p_value == pytest.approx(0.002773, abs=1e-5)
    assert change.significant


def test_a_small_fall_is_not_and_the_sides_agree():
    less = index_change(0.90, 0.04, 0.88, 0.04, alternative="less")
    assert not less.significant
    two = index_change(0.90, 0.04, 0.88, 0.04)
    assert two.p_value == pytest.approx(2 * less.p_value)
    greater = index_change(0.90, 0.04, 0.88, 0.04, alternative="greater")
    assert greater.p_value == pytest.approx(1 - less.p_value)


def test_no_estimate_is_no_test_and_zero_errors_are_exact():
    assert index_change(float("nan"), 0.1, 0.8, 0.1) is None
    assert index_change(1.0, 0.0, 1.0, 0.0).p_value == 1.0
    assert index_change(1.0, 0.0, 0.5, 0.0, alternative="less").significant


@pytest.mark.parametrize("options", [{"alternative": "down"}, {"confidence_level": 1.5}])
def test_bad_options_are_echoed(options):
    with pytest.raises(ValueError, match="down|1.5"):
        index_change(0.9, 0.01, 0.8, 0.01, **options)


def test_negative_errors_are_refused():
    with pytest.raises(ValueError, match="-0.01"):
        index_change(0.9, -0.01, 0.8, 0.01)


def test_two_proportions_pooled_z_is_pearsons_chi_squared():
    from scipy import stats

    from scoring import proportion_change

    change = proportion_change(60, 100, 80, 100)
    chi2 = stats.chi2_contingency([[60, 40], [80, 20]], correction=False)
    assert change.z ** 2 == pytest.approx(chi2.statistic)
    assert change.p_value == pytest.approx(chi2.pvalue)
    one_sided = proportion_change(60, 100, 80, 100, alternative="greater")
    assert one_sided.p_value == pytest.approx(chi2.pvalue / 2)
    assert proportion_change(0, 0, 5, 10) is None
    assert proportion_change(10, 10, 10, 10).p_value == 1.0
    with pytest.raises(ValueError, match="x=11, n=10"):
        proportion_change(11, 10, 5, 10)
