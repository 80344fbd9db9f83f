"""Has an index changed between two independent samples? A z test of the difference of two estimates.

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

__all__ = ["ALTERNATIVES", "Change", "index_change"]

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
    if alternative == "less":
        p_value = float(stats.norm.cdf(z))
    elif alternative == "greater":
        p_value = float(stats.norm.sf(z))
    else:
        p_value = float(2 * stats.norm.sf(abs(z)))
    return Change(difference, se, z, p_value, alternative, level)
