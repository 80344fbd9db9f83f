import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from scoring import METHODS, proportion_ci, proportion_interval, t_interval

# METHOD.md reference table (95%, two-sided): x, n, method, lower, upper, tolerance
REFERENCE = [
    (18, 20, "wilson", 0.6989663547715128, 0.972133518786232, 1e-9),
    (18, 20, "clopper-pearson", 0.6830172859809176, 0.9876514728297052, 1e-9),
    (18, 20, "agresti-coull", 0.6867561125596077, 0.984343760998137, 1e-9),
    (18, 20, "wilsoncc", 0.668722403162941, 0.982487361226571, 1e-9),
    (190, 200, "wilson", 0.910421851861224, 0.972617354399236, 1e-9),
    (190, 200, "clopper-pearson", 0.9099724622986486, 0.975765834527891, 1e-9),
    (30, 30, "wilson", 0.8864866, 1.0, 5e-8),
    (30, 30, "clopper-pearson", 0.8842967, 1.0, 5e-8),
    (0, 30, "wilson", 0.0, 0.11351339, 5e-9),
    (45, 50, "jeffreys", 0.794645, 0.960806, 5e-7),
]


@pytest.mark.parametrize(("x", "n", "method", "lower", "upper", "tol"), REFERENCE)
def test_reference_values(x, n, method, lower, upper, tol):
    r = proportion_interval(x, n, method=method)
    assert r.ci_low == pytest.approx(lower, abs=tol)
    assert r.ci_high == pytest.approx(upper, abs=tol)
    assert r.estimate == x / n and r.status == "ok"


@pytest.mark.parametrize("n", [1, 5, 30, 200])
@pytest.mark.parametrize("level", [0.9, 0.95, 0.99])
def test_clopper_pearson_boundary_identities(n, level):
    alpha = 1 - level
    none = proportion_interval(0, n, method="clopper-pearson", confidence_level=level)
    assert none.ci_high == pytest.approx(1 - (alpha / 2) ** (1 / n), abs=1e-12)
    every = proportion_interval(n, n, method="clopper-pearson", confidence_level=level)
    assert every.ci_low == pytest.approx((alpha / 2) ** (1 / n), abs=1e-12)


@pytest.mark.parametrize("method", METHODS)
def test_boundaries_are_exact(method):
    frame = proportion_ci([0, 7], [7, 7], method=method)
    assert frame.ci_low[0] == 0.0 and frame.ci_high[1] == 1.0
    assert 0 < frame.ci_high[0] < 1 and 0 < frame.ci_low[1] < 1


@pytest.mark.parametrize("method", METHODS)
@settings(max_examples=60, deadline=None)
@given(data=st.data())
def test_symmetry_and_monotonicity(method, data):
    n = data.draw(st.integers(1, 400))
    level = data.draw(st.sampled_from([0.8, 0.9, 0.95, 0.99]))
    x = np.arange(n + 1)
    frame = proportion_ci(x, np.full(n + 1, n), method=method, confidence_level=level)
    mirrored = proportion_ci(n - x, np.full(n + 1, n), method=method, confidence_level=level)
    np.testing.assert_allclose(frame.ci_low, 1 - mirrored.ci_high, atol=1e-10)
    assert (np.diff(frame.ci_low) >= -1e-12).all()
    assert (np.diff(frame.ci_high) >= -1e-12).all()
    assert ((frame.ci_low <= frame.estimate + 1e-12) & (frame.estimate <= frame.ci_high + 1e-12)).all()


def test_higher_confidence_is_wider():
    narrow = proportion_interval(18, 20, confidence_level=0.9)
    wide = proportion_interval(18, 20, confidence_level=0.99)
    assert wide.ci_low < narrow.ci_low and wide.ci_high > narrow.ci_high


def test_no_data_in_a_batch_is_nan_not_an_error():
    x = pd.Series([18, 0, 3], index=["u1", "u2", "u3"])
    n = pd.Series([20, 0, 3], index=["u1", "u2", "u3"])
    frame = proportion_ci(x, n, method="clopper-pearson")
    assert list(frame.index) == ["u1", "u2", "u3"]
    assert list(frame.status) == ["ok", "no data", "ok"]
    assert frame.loc["u2", ["estimate", "ci_low", "ci_high"]].isna().all()
    assert frame.loc["u3", "ci_high"] == 1.0


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"x": [3], "n": [2]}, "x must not exceed n; got x=3 with n=2"),
        ({"x": [-1], "n": [2]}, "x must be whole numbers >= 0; got -1"),
        ({"x": [1.5], "n": [2]}, "x must be whole numbers >= 0; got 1.5"),
        ({"x": [1], "n": [np.nan]}, "n must be whole numbers >= 0; got nan"),
        ({"x": [1], "n": [2], "method": "wald"}, "got 'wald'"),
        ({"x": [1], "n": [2], "confidence_level": 95}, "confidence_level must be in (0, 1); got 95"),
        ({"x": [1], "n": [2], "confidence_level": "high"}, "got 'high'"),
    ],
)
def test_validation_echoes_the_bad_value(kwargs, message):
    with pytest.raises(ValueError) as error:
        proportion_ci(**kwargs)
    assert message in str(error.value)


def test_t_interval_and_its_degenerate_case():
    r = t_interval(2 / 3, 0.12049980091353686, 12)
    assert (r.ci_low, r.ci_high) == pytest.approx((0.401448, 0.931885), abs=1e-6)
    assert t_interval(0.5, 0.1, 1).status == "no data"
