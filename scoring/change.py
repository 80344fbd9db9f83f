"""Has an index or a share changed between two independent samples? z tests of a difference.

Each estimate comes with its own linearised standard error (respondent-level, design effect
included: see `scoring.index`), so the test is the large-sample Wald test of a difference of two
independent estimators (e.g. Lohr, *Sampling: Design and Analysis*, 2nd ed., §9.1). Two periods
or two sides of an improvement action are independent samples of respondents.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from scipy import stats

from ._checks import check_choice, check_confidence_level

__all__ = ["ALTERNATIVES", "Change", "index_change", "proportion_change"]

ALTERNATIVES = ("less", "greater", "two-sided")


@dataclass(frozen=True)
class Change:
    """The difference after − before, its standard error, z, the p-value and what was asked."""

    difference: float
    se: float
    z: float
    p_value: float
    alternative: str
    confidence_level: float

    @property
    def significant(self) -> bool:
        """Tell whether the p-value is below 1 − confidence_level."""
        return self.p_value < 1 - self.confidence_level


def index_change(before: float, before_se: float, after: float, after_se: float, *,
                 alternative: str = "two-sided", confidence_level: float = 0.95) -> Change | None:
    """Test whether an index moved from `before` to `after`; None when either side has no estimate.

    Parameters
    ----------
    before, after : float
        The two estimates (shares, 0–1).
    before_se, after_se : float
        Their standard errors (non-negative).
    alternative : {"less", "greater", "two-sided"}
        "less" asks whether `after` is lower (a fall), "greater" whether it is higher.
    confidence_level : float
        1 − the significance level.

    Examples
    --------
    >>> change = index_change(0.90, 0.02, 0.80, 0.03, alternative="less")
    >>> round(change.difference, 2), round(change.z, 2), change.significant
    (-0.1, -2.77, True)
    >>> index_change(0.90, 0.02, float("nan"), 0.03) is None
    True
    """
    check_choice("alternative", alternative, ALTERNATIVES)
    level = check_confidence_level(confidence_level)
    values = (before, before_se, after, after_se)
    if any(value is None or math.isnan(value) for value in values):
        return None
    if before_se < 0 or after_se < 0:
        raise ValueError(f"standard errors must be non-negative; got {before_se!r} and {after_se!r}")
    difference = after - before
    se = math.hypot(before_se, after_se)
    # Without sampling error (every respondent satisfied on both sides) any difference is certain.
    no_error = 0.0 if difference == 0 else math.copysign(math.inf, difference)
    z = difference / se if se else no_error
    return Change(difference, se, z, _p_value(z, alternative), alternative, level)


def proportion_change(before_x: int, before_n: int, after_x: int, after_n: int, *,
                      alternative: str = "two-sided", confidence_level: float = 0.95) -> Change | None:
    """Test whether a share moved from before_x/before_n to after_x/after_n; None when a side has no answers.

    The pooled two-proportion z test (e.g. Agresti, *Categorical Data Analysis*, 3rd ed., §3.1.4; the
    square of z is Pearson's chi-squared of the 2 × 2 table): one item's satisfied answers before
    and after an improvement action.

    Examples
    --------
    >>> change = proportion_change(60, 100, 80, 100, alternative="greater")
    >>> round(change.difference, 2), round(change.z, 3), round(change.p_value, 4), change.significant
    (0.2, 3.086, 0.001, True)
    """
    check_choice("alternative", alternative, ALTERNATIVES)
    level = check_confidence_level(confidence_level)
    for name, (x, n) in {"before": (before_x, before_n), "after": (after_x, after_n)}.items():
        if not 0 <= x <= n:
            raise ValueError(f"{name}: need 0 <= x <= n; got x={x!r}, n={n!r}")
    if before_n == 0 or after_n == 0:
        return None
    before, after = before_x / before_n, after_x / after_n
    pooled = (before_x + after_x) / (before_n + after_n)
    se = math.sqrt(pooled * (1 - pooled) * (1 / before_n + 1 / after_n))
    difference = after - before
    no_error = 0.0 if difference == 0 else math.copysign(math.inf, difference)
    z = difference / se if se else no_error
    return Change(difference, se, z, _p_value(z, alternative), alternative, level)


def _p_value(z: float, alternative: str) -> float:
    if alternative == "less":
        return float(stats.norm.cdf(z))
    if alternative == "greater":
        return float(stats.norm.sf(z))
    return float(2 * stats.norm.sf(abs(z)))
