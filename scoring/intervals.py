"""Confidence intervals for a proportion, vectorised, never Wald.

References: Wilson (1927) JASA 22:209; Clopper & Pearson (1934) Biometrika 26:404;
Agresti & Coull (1998) Am Stat 52:119; Newcombe (1998) Stat Med 17:857 (method 4,
Wilson with continuity correction); Brown, Cai & DasGupta (2001) Stat Sci 16:101 (Jeffreys).
Design-based shares (an index, a weighted share): Korn & Graubard (1998) Surv Methodol 24:193,
the effective sample size with a degrees-of-freedom correction, as R ``survey::svyciprop``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TypeAlias

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike
from scipy import special, stats

from ._checks import METHODS, check_choice, check_confidence_level, check_counts

#: Exponents and factors of :func:`design_bounds`, chosen by simulation (docs/method.md):
#: the skewness is that of n^SKEW · n*^(1 − SKEW) trials; the kurtosis KURTOSIS × Bernoulli's.
SKEW = 0.4
KURTOSIS = 0.5
__all__ = [
    "METHODS", "Interval", "proportion_ci", "proportion_interval", "t_interval", "interval_at_effective_n",
    "design_bounds",
]


@dataclass(frozen=True)
class Interval:
    """An estimate with its interval; `status` is ``"ok"`` or ``"no data"``."""

    estimate: float
    ci_low: float
    ci_high: float
    status: str = "ok"


def proportion_ci(
    x: ArrayLike, n: ArrayLike, *, method: str = "wilson", confidence_level: float = 0.95
) -> pd.DataFrame:
    """Two-sided interval for proportions ``x / n``, one row per element.

    Parameters
    ----------
    x, n : array_like or pandas.Series
        Successes and trials (whole numbers, ``0 <= x <= n``). A Series index is kept.
    method : {'wilson', 'wilsoncc', 'clopper-pearson', 'jeffreys', 'agresti-coull'}
        Wilson (1927) score interval by default; Wilson with continuity correction
        (Newcombe 1998), Clopper & Pearson (1934), equal-tailed Jeffreys (Brown, Cai &
        DasGupta 2001) and Agresti & Coull (1998).
    confidence_level : float
        Two-sided confidence level in (0, 1).

    Returns
    -------
    pandas.DataFrame
        Columns ``x, n, estimate, ci_low, ci_high, status``. Where ``n == 0`` the
        estimate and bounds are NaN and the status is ``"no data"``.

    Examples
    --------
    >>> proportion_ci([18, 0], [20, 0]).round(4)[["estimate", "ci_low", "ci_high", "status"]]
       estimate  ci_low  ci_high   status
    0       0.9   0.699   0.9721       ok
    1       NaN     NaN      NaN  no data
    """
    check_choice("method", method, METHODS)
    level = check_confidence_level(confidence_level)
    index = x.index if isinstance(x, pd.Series) else n.index if isinstance(n, pd.Series) else None
    xa, na = check_counts(x, n)
    low, high = bounds(xa.ravel(), na.ravel(), method=method, tail=(1 - level) / 2)
    with np.errstate(invalid="ignore", divide="ignore"):
        estimate = np.where(na.ravel() > 0, xa.ravel() / na.ravel(), np.nan)
    return pd.DataFrame(
        {
            "x": xa.ravel(),
            "n": na.ravel(),
            "estimate": estimate,
            "ci_low": low,
            "ci_high": high,
            "status": np.where(na.ravel() > 0, "ok", "no data"),
        },
        index=index,
    )


def proportion_interval(
    x: int, n: int, *, method: str = "wilson", confidence_level: float = 0.95
) -> Interval:
    """Interval for one proportion ``x / n``; see :func:`proportion_ci`.

    Examples
    --------
    >>> r = proportion_interval(0, 30)
    >>> (r.ci_low, round(r.ci_high, 8))
    (0.0, 0.11351339)
    """
    # proportion_ci's arithmetic without its frame: pages ask for hundreds of single intervals
    check_choice("method", method, METHODS)
    level = check_confidence_level(confidence_level)
    xa, na = check_counts([x], [n])
    if not na[0] > 0:
        return Interval(math.nan, math.nan, math.nan, "no data")
    low, high = bounds(xa, na, method=method, tail=(1 - level) / 2)
    return Interval(float(xa[0] / na[0]), float(low[0]), float(high[0]))


def t_interval(estimate: float, se: float, n: int, *, confidence_level: float = 0.95) -> Interval:
    """Student-t interval ``estimate ± t(n-1) se`` (may leave [0, 1]; for cross-checks).

    Examples
    --------
    >>> r = t_interval(2 / 3, 0.1205, 12)
    >>> (round(r.ci_low, 4), round(r.ci_high, 4))
    (0.4014, 0.9319)
    """
    level = check_confidence_level(confidence_level)
    if n < 2:
        return Interval(estimate, np.nan, np.nan, "no data")
    half = float(stats.t.ppf(1 - (1 - level) / 2, n - 1)) * se
    return Interval(estimate, estimate - half, estimate + half)


def interval_at_effective_n(estimate: ArrayLike, variance: ArrayLike, *, fallback_n: ArrayLike,
                            variance_independent: ArrayLike | None = None, method: str = "wilson",
                            confidence_level: float = 0.95) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Interval for a clustered or weighted share by `method` at its effective sample size.

    ``n_eff = estimate (1 − estimate) / max(variance, variance_independent)``: never more
    precise than if all answers were independent (design effect at least 1). Where the
    variance is 0 or NaN (e.g. 100% satisfied, or a single respondent) ``n_eff = fallback_n``,
    the respondents. Returns ``(ci_low, ci_high, n_eff)`` arrays.

    Examples
    --------
    >>> low, high, n_eff = interval_at_effective_n(0.9, 0.0009, fallback_n=50)
    >>> round(float(n_eff)), round(float(low), 4), round(float(high), 4)
    (100, 0.8256, 0.9448)
    """
    check_choice("method", method, METHODS)
    tail = (1 - check_confidence_level(confidence_level)) / 2
    estimate = np.asarray(estimate, dtype=float)
    variance = np.asarray(variance, dtype=float)
    if variance_independent is not None:
        variance = np.asarray(np.fmax(variance, np.where(variance > 0, variance_independent, np.nan)))
    with np.errstate(invalid="ignore", divide="ignore"):
        n_eff = np.where(variance > 0, estimate * (1 - estimate) / variance, fallback_n)
    n_eff = np.where(np.isnan(estimate), np.nan, n_eff)
    low, high = bounds(estimate * n_eff, n_eff, method=method, tail=tail)
    return low, high, n_eff


def design_bounds(
    estimate: np.ndarray, smooth: np.ndarray, var_smooth: np.ndarray, respondents: np.ndarray, *,
    tail: float | np.ndarray, floored: np.ndarray | bool = False, kurtosis: float = KURTOSIS,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Bounds of a design-based share (an index, a factor), calibrated by simulation.

    Unvalidated core. From a smoothed estimate S and a variance V that is never 0 (see
    :func:`scoring.index.boundary_aware`):

    1. the effective sample size ``n_eff = S(1 − S) / V`` (Kish; not capped at the respondents);
    2. a Korn & Graubard (1998) degrees-of-freedom correction, ``n* = n_eff (z / t_df)²`` with
       z and t the `tail` quantiles, where df is Satterthwaite's for a variance estimated
       from n respondents whose scores are half as kurtotic as a Bernoulli(S) variable
       (`kurtosis`), ``df = 2(n − 1) / (2 + κ(n − 1)/n)``, ``κ = 0.5 (1 − 6 S(1 − S)) / (S(1 − S))``; where
       the variance is the boundary floor (`floored`), not an estimate, ``df = n − 1``;
    3. the Wilson score interval on ``m = n^0.4 · n*^0.6`` trials, its two arms scaled by
       ``√(m / n*)``: the width is that of n* trials, the skewness nearer that of the n
       respondents (their items are correlated, so the estimate is more skewed than n*
       independent answers would be).

    Returns ``(low, high, n_eff)``; NaN where there is no estimate or no respondent.
    docs/method.md gives the simulations that chose each step.

    Examples
    --------
    >>> low, high, n_eff = design_bounds(np.array([1.0]), np.array([30.5 / 31]),
    ...                                  np.array([30.5 * 0.5 / 31**3]), np.array([30]), tail=0.05,
    ...                                  floored=True)
    >>> round(float(n_eff[0]), 2), round(float(low[0]), 4), float(high[0])
    (31.0, 0.9153, 1.0)
    """
    estimate, smooth, var_smooth, n = (np.asarray(a, dtype=float)
                                       for a in (estimate, smooth, var_smooth, respondents))
    with np.errstate(invalid="ignore", divide="ignore"):
        n_eff = np.where((var_smooth > 0) & (n > 0), smooth * (1 - smooth) / var_smooth, np.nan)
        q = smooth * (1 - smooth)
        excess = kurtosis * np.maximum((1 - 6 * q) / q, 0.0)
        df = np.where(floored, n - 1, 2 * (n - 1) / (2 + excess * (n - 1) / n))
        df = np.maximum(np.nan_to_num(df), 1.0)
        n_star = n_eff * (_z(tail) / -special.stdtrit(df, tail)) ** 2
        trials = n ** SKEW * n_star ** (1 - SKEW)
        low, high = bounds(estimate * trials, trials, method="wilson", tail=tail)
        scale = np.sqrt(trials / n_star)
        low = np.clip(estimate - (estimate - low) * scale, 0.0, 1.0)
        high = np.clip(estimate + (high - estimate) * scale, 0.0, 1.0)
    missing = np.isnan(estimate) | ~(n_eff > 0)
    return np.where(missing, np.nan, low), np.where(missing, np.nan, high), np.where(missing, np.nan, n_eff)


def bounds(
    x: np.ndarray, n: np.ndarray, *, method: str, tail: float | np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Lower and upper bounds with probability `tail` outside each; x, n may be non-integer.

    Unvalidated core shared with the index and verdicts. ``x = 0`` gives lower 0 and
    ``x = n`` gives upper 1 for every method; ``n = 0`` gives NaN.
    """
    x = np.asarray(x, dtype=float)
    n = np.asarray(n, dtype=float)
    with np.errstate(invalid="ignore", divide="ignore"):
        low, high = _FORMULAS[method](x, n, tail)
        low = np.where(x <= 0, 0.0, np.clip(low, 0.0, 1.0))
        high = np.where(x >= n, 1.0, np.clip(high, 0.0, 1.0))
    empty = ~(n > 0)
    return np.where(empty, np.nan, low), np.where(empty, np.nan, high)


def _z(tail: float | np.ndarray) -> np.ndarray:
    """The normal quantile with `tail` above it (scipy.special is much faster than scipy.stats)."""
    return np.asarray(-special.ndtri(tail))


#: What a formula returns: lower and upper bounds (scalars for 0-d input).
_Bounds: TypeAlias = tuple[np.ndarray | float, np.ndarray | float]


def _wilson(x: np.ndarray, n: np.ndarray, tail: float | np.ndarray) -> _Bounds:
    z = _z(tail)
    centre = (x + z * z / 2) / (n + z * z)
    half = z * np.sqrt(np.maximum(x * (n - x) / n + z * z / 4, 0)) / (n + z * z)
    return centre - half, centre + half


def _wilsoncc(x: np.ndarray, n: np.ndarray, tail: float | np.ndarray) -> _Bounds:
    z = _z(tail)
    p = x / n
    denom = 2 * (n + z * z)
    low_root = np.sqrt(np.maximum(z * z - 2 - 1 / n + 4 * p * (n * (1 - p) + 1), 0))
    high_root = np.sqrt(np.maximum(z * z + 2 - 1 / n + 4 * p * (n * (1 - p) - 1), 0))
    return (2 * x + z * z - 1 - z * low_root) / denom, (2 * x + z * z + 1 + z * high_root) / denom


def _clopper_pearson(x: np.ndarray, n: np.ndarray, tail: float | np.ndarray) -> _Bounds:
    return stats.beta.ppf(tail, x, n - x + 1), stats.beta.isf(tail, x + 1, n - x)


def _jeffreys(x: np.ndarray, n: np.ndarray, tail: float | np.ndarray) -> _Bounds:
    return stats.beta.ppf(tail, x + 0.5, n - x + 0.5), stats.beta.isf(tail, x + 0.5, n - x + 0.5)


def _agresti_coull(x: np.ndarray, n: np.ndarray, tail: float | np.ndarray) -> _Bounds:
    z = _z(tail)
    n_tilde = n + z * z
    p_tilde = (x + z * z / 2) / n_tilde
    half = z * np.sqrt(p_tilde * (1 - p_tilde) / n_tilde)
    return p_tilde - half, p_tilde + half


_FORMULAS = {
    "wilson": _wilson,
    "wilsoncc": _wilsoncc,
    "clopper-pearson": _clopper_pearson,
    "jeffreys": _jeffreys,
    "agresti-coull": _agresti_coull,
}
