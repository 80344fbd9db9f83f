"""Change of a share or index between two periods: the difference and its confidence interval.

The two periods hold different respondents, so the estimates are independent and the variance of the
difference is the sum of their variances. Each standard error is the one the index was scored with
(respondent-level, design effect included), so the difference is judged by the same method as the
index itself (a Wald interval for the difference of two independent estimates; see Newcombe 1998,
"Interval estimation for the difference between independent proportions", Statistics in Medicine
17:873–890, for why a Wald interval is adequate away from 0 and 1 with a few hundred respondents).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from scipy import stats

from ._checks import check_confidence_level

STATUSES = ("up", "down", "unclear", "unknown")


@dataclass(frozen=True)
class Change:
    """A change ``now − before`` with its interval and what it says.

    `status` is "up" or "down" when the whole interval lies on one side of 0, "unclear" when it
    holds 0, and "unknown" when either period has no estimate.
    """

    difference: float | None
    ci_low: float | None
    ci_high: float | None
    se: float | None
    confidence_level: float
    status: str
    method: str = "wald-independent"


def index_change(now: float | None, se_now: float | None, before: float | None, se_before: float | None, *,
                 confidence_level: float = 0.95) -> Change:
    """Return the change between two independent estimates with a two-sided interval.

    Parameters
    ----------
    now, before : float or None
        The estimates (shares in [0, 1]) of the later and the earlier period; None when unknown.
    se_now, se_before : float or None
        Their standard errors (respondent-level, as the index was scored).
    confidence_level : float
        Level of the two-sided interval of the difference.

    Examples
    --------
    >>> c = index_change(0.92, 0.01, 0.88, 0.012)
    >>> round(c.difference, 3), round(c.ci_low, 4), round(c.ci_high, 4), c.status
    (0.04, 0.0094, 0.0706, 'up')
    >>> index_change(0.90, 0.03, 0.89, 0.03).status
    'unclear'
    >>> index_change(None, None, 0.9, 0.01).status
    'unknown'
    """
    level = check_confidence_level(confidence_level)
    known = [v for v in (now, se_now, before, se_before) if v is not None and not math.isnan(v)]
    if len(known) < 4:
        return Change(None, None, None, None, level, "unknown")
    assert now is not None and before is not None and se_now is not None and se_before is not None
    if se_now < 0 or se_before < 0:
        raise ValueError(f"standard errors must be at least 0; got {se_now!r} and {se_before!r}")
    difference = now - before
    se = math.hypot(se_now, se_before)
    half = float(stats.norm.ppf(0.5 + level / 2)) * se
    low, high = difference - half, difference + half
    status = "up" if low > 0 else "down" if high < 0 else "unclear"
    return Change(difference, low, high, se, level, status)
