"""Comparing and monitoring units: funnel limits, p-charts, shrinkage, post-stratification.

Funnel limits: Spiegelhalter (2005) "Funnel plots for comparing institutional
performance", Stat Med 24:1185, appendix (exact binomial limits with interpolation).
Empirical Bayes: beta-binomial prior by moments or maximum likelihood; for ranking
displays only, never for verdicts.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike
from scipy import optimize, stats

from ._checks import METHODS, check_choice, check_confidence_level, check_counts, check_fraction
from .intervals import Interval, interval_at_effective_n, proportion_interval

__all__ = ["funnel_limits", "p_chart", "BetaPrior", "fit_beta_prior", "shrink_estimates",
           "PostStratified", "post_stratify"]


def funnel_limits(
    n: ArrayLike, *, target: float = 0.90, levels: Sequence[float] = (0.95, 0.998)
) -> pd.DataFrame:
    """Exact binomial funnel limits around `target` for sample sizes `n`.

    The 100p% limit is ``(r_p − a) / n`` where r_p is the binomial p-quantile and
    ``a = (F(r_p) − p) / (F(r_p) − F(r_p − 1))`` interpolates between the discrete steps
    (Spiegelhalter 2005, appendix). Limits are clipped to [0, 1]; n = 0 gives NaN.

    Returns
    -------
    pandas.DataFrame
        Columns ``n``, then ``lower_<level>`` and ``upper_<level>`` per level (e.g.
        ``lower_0.95``, ``upper_0.998``).

    Examples
    --------
    >>> funnel_limits([100], target=0.9, levels=(0.95,)).round(4)
           n  lower_0.95  upper_0.95
    0  100.0      0.8323      0.9496
    """
    target = check_fraction("target", target)
    _, n = check_counts(0, n)
    n = np.atleast_1d(n).astype(float)
    out = {"n": n}
    for level in levels:
        level = check_confidence_level(level)
        for side, p in (("lower", (1 - level) / 2), ("upper", (1 + level) / 2)):
            out[f"{side}_{level:g}"] = _funnel_point(n, target, p)
    return pd.DataFrame(out)


def _funnel_point(n: np.ndarray, target: float, p: float) -> np.ndarray:
    r = stats.binom.ppf(p, n, target)
    at = stats.binom.cdf(r, n, target)
    below = stats.binom.cdf(r - 1, n, target)
    with np.errstate(invalid="ignore", divide="ignore"):
        a = np.where(at > below, (at - p) / (at - below), 0.0)
        limit = np.clip((r - a) / n, 0.0, 1.0)
    return np.where(n > 0, limit, np.nan)


def p_chart(x: ArrayLike, n: ArrayLike, *, centre: float | None = None, sigmas: float = 3.0) -> pd.DataFrame:
    """Shewhart p-chart: per period, ``centre ± sigmas · sqrt(centre (1 − centre) / n)``.

    `centre` defaults to the pooled share Σx / Σn. Limits are clipped to [0, 1]; `signal`
    is ``"above"``, ``"below"``, ``""`` or ``"no data"``. A Series index (periods) is kept.

    Examples
    --------
    >>> p_chart([90, 60], [100, 100], centre=0.9)[["p", "lcl", "ucl", "signal"]].round(2)
         p   lcl  ucl signal
    0  0.9  0.81  0.99
    1  0.6  0.81  0.99  below
    """
    index = x.index if isinstance(x, pd.Series) else None
    xa, na = check_counts(x, n)
    xa, na = np.atleast_1d(xa).astype(float), np.atleast_1d(na).astype(float)
    if centre is None:
        centre = xa.sum() / na.sum() if na.sum() > 0 else np.nan
    else:
        centre = check_fraction("centre", centre)
    if not sigmas > 0:
        raise ValueError(f"sigmas must be > 0; got {sigmas!r}")
    with np.errstate(invalid="ignore", divide="ignore"):
        p = np.where(na > 0, xa / na, np.nan)
        half = sigmas * np.sqrt(centre * (1 - centre) / na)
    lcl, ucl = np.clip(centre - half, 0, 1), np.clip(centre + half, 0, 1)
    signal = np.where(na == 0, "no data", np.where(p > ucl, "above", np.where(p < lcl, "below", "")))
    return pd.DataFrame({"x": xa, "n": na, "p": p, "centre": centre, "lcl": np.where(na > 0, lcl, np.nan),
                         "ucl": np.where(na > 0, ucl, np.nan), "signal": signal}, index=index)


@dataclass(frozen=True)
class BetaPrior:
    """Beta prior of unit shares by its mean and strength alpha + beta.

    An infinite strength means no spread between units beyond sampling noise.
    """

    mean: float
    strength: float

    @property
    def alpha(self) -> float:
        """alpha = mean · strength."""
        return self.mean * self.strength

    @property
    def beta(self) -> float:
        """beta = (1 − mean) · strength."""
        return (1 - self.mean) * self.strength


def fit_beta_prior(x: ArrayLike, n: ArrayLike, *, method: str = "moments") -> BetaPrior:
    """Fit a beta-binomial prior to units' counts, by `method` 'moments' or 'ml'.

    Moments: the between-unit intra-class correlation ρ from the weighted spread of the
    shares around the pooled share; alpha + beta = 1/ρ − 1 (infinite when ρ <= 0).
    ML: maximises the beta-binomial likelihood, starting from the moments fit.
    """
    check_choice("method", method, ("moments", "ml"))
    xa, na = check_counts(x, n)
    keep = np.atleast_1d(na) > 0
    xa, na = np.atleast_1d(xa)[keep], np.atleast_1d(na)[keep]
    if len(na) < 2:
        raise ValueError(f"fitting a prior needs at least 2 units with data; got {len(na)}")
    total = na.sum()
    pooled = xa.sum() / total
    spread = (na * (xa / na - pooled) ** 2).sum()
    if pooled in (0.0, 1.0):
        return BetaPrior(float(pooled), np.inf)
    rho = (spread / (pooled * (1 - pooled)) - (len(na) - 1)) / (total - (na**2).sum() / total)
    prior = BetaPrior(float(pooled), float(1 / rho - 1) if rho > 0 else np.inf)
    if method == "moments":
        return prior
    start = np.log([pooled, 1 - pooled]) + np.log(min(prior.strength, 1e4))

    def loss(log_ab: np.ndarray) -> float:
        a, b = np.exp(log_ab)
        return -np.sum(stats.betabinom.logpmf(xa, na, a, b))

    fit = optimize.minimize(loss, start, method="Nelder-Mead", options={"xatol": 1e-8, "fatol": 1e-10})
    a, b = np.exp(fit.x)
    return BetaPrior(float(a / (a + b)), float(a + b))


def shrink_estimates(
    x: ArrayLike, n: ArrayLike, *, prior: BetaPrior | None = None, method: str = "moments"
) -> pd.DataFrame:
    """Empirical-Bayes shrunk shares ``(x + alpha) / (n + alpha + beta)`` for ranking displays.

    Examples
    --------
    >>> shrink_estimates([9, 90], [10, 100], prior=BetaPrior(0.8, 10))["shrunk"].round(3).tolist()
    [0.85, 0.891]
    """
    prior = prior or fit_beta_prior(x, n, method=method)
    xa, na = check_counts(x, n)
    xa, na = np.atleast_1d(xa).astype(float), np.atleast_1d(na).astype(float)
    strength = prior.strength
    with np.errstate(invalid="ignore", divide="ignore"):
        weight = na / (na + strength) if np.isfinite(strength) else np.zeros_like(na)
        estimate = np.where(na > 0, xa / na, np.nan)
    shrunk = weight * np.nan_to_num(estimate) + (1 - weight) * prior.mean
    return pd.DataFrame({"x": xa, "n": na, "estimate": estimate, "shrunk": shrunk, "weight": weight},
                        index=x.index if isinstance(x, pd.Series) else None)


@dataclass(frozen=True)
class PostStratified:
    """A share weighted to known stratum shares, with the unweighted figure beside it."""

    estimate: float
    ci_low: float
    ci_high: float
    se: float
    n_eff: float
    unweighted: Interval
    status: str = "ok"


def post_stratify(x: pd.Series, n: pd.Series, *, shares: Mapping, method: str = "wilson",
                  confidence_level: float = 0.95) -> PostStratified:
    """Post-stratify a share to known stratum (e.g. channel) shares.

    ``p = Σ W_h p_h`` with variance ``Σ W_h² p̃_h (1 − p̃_h) / n_h``, p̃_h = (x_h + ½)/(n_h + 1)
    (so a stratum at 0% or 100% is never without variance); the interval is
    `method` at the effective n (Σ n when the variance is 0). A stratum with a share but no data gives
    NaN and a status naming it.

    Examples
    --------
    >>> import pandas as pd
    >>> r = post_stratify(pd.Series({"kiosk": 45, "qr": 40}), pd.Series({"kiosk": 50, "qr": 50}),
    ...                   shares={"kiosk": 0.2, "qr": 0.8})
    >>> round(r.estimate, 2), round(r.unweighted.estimate, 2)
    (0.82, 0.85)
    """
    check_choice("method", method, METHODS)
    level = check_confidence_level(confidence_level)
    weights = pd.Series(dict(shares), dtype=float)
    if (weights < 0).any() or abs(weights.sum() - 1) > 1e-9:
        raise ValueError(f"shares must be >= 0 and sum to 1; got {dict(shares)!r}")
    unknown = sorted(set(n.index) - set(weights.index), key=str)
    if unknown:
        raise ValueError(f"stratum {unknown[0]!r} has data but no share; shares are {dict(shares)!r}")
    x, n = x.reindex(weights.index, fill_value=0), n.reindex(weights.index, fill_value=0)
    unweighted = proportion_interval(int(x.sum()), int(n.sum()), method=method, confidence_level=level)
    empty = [h for h in weights.index if weights[h] > 0 and n[h] == 0]
    if empty:
        nan = float("nan")
        return PostStratified(nan, nan, nan, nan, nan, unweighted, f"no data for stratum {empty[0]!r}")
    used = weights > 0
    p = x[used] / n[used]
    estimate = float((weights[used] * p).sum())
    # A stratum at 0% or 100% still adds variance: p(1 − p) at one pseudo respondent's smoothing.
    smooth = (x[used] + 0.5) / (n[used] + 1)
    variance = float((weights[used] ** 2 * smooth * (1 - smooth) / n[used]).sum())
    low, high, n_eff = interval_at_effective_n(estimate, variance, fallback_n=float(n.sum()), method=method,
                                               confidence_level=level)
    return PostStratified(estimate, float(low), float(high), variance**0.5, float(n_eff), unweighted)
