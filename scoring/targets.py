"""Verdicts against a target, with optional Holm or Benjamini-Hochberg adjustment.

A unit is *met* when its lower bound is at or above the target, *not-met* when its upper
bound is below it, *inconclusive* otherwise, and *insufficient* below a minimum number of
respondents. Multiple-testing adjustments: Holm (1979) Scand J Stat 6:65;
Benjamini & Hochberg (1995) JRSS B 57:289.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike
from scipy import optimize

from ._checks import METHODS, SIDES, check_choice, check_confidence_level, check_fraction
from .intervals import bounds

__all__ = ["Verdict", "verdict", "verdicts", "adjust_pvalues", "ADJUSTMENTS"]

ADJUSTMENTS = ("holm", "bh")
_FAR = 2.0**50  # beyond this many extra responses a verdict is "not within reach"


@dataclass(frozen=True)
class Verdict:
    """A target verdict and the settings it was reached with.

    `more_needed` is the number of further responses likely to settle an inconclusive or
    insufficient verdict at the current estimate and design effect (None when the
    verdict is settled, or when the estimate equals the target).
    """

    status: str
    label: str
    target: float
    confidence_level: float
    sides: str
    more_needed: int | None = None
    ci_low: float = float("nan")
    ci_high: float = float("nan")


def verdict(
    estimate: float,
    n: int,
    *,
    n_eff: float | None = None,
    target: float = 0.90,
    confidence_level: float = 0.95,
    sides: str = "one-sided",
    method: str = "wilson",
    min_n: int = 30,
) -> Verdict:
    """Judge one estimate against `target`.

    Parameters
    ----------
    estimate : float
        A proportion or index in [0, 1] (NaN when there is no data).
    n : int
        Respondents (compared with `min_n`).
    n_eff : float, optional
        Effective sample size for the bounds (default `n`: a plain proportion).
    target, confidence_level, sides, method, min_n
        The bounds are `method` at ``(estimate * n_eff, n_eff)``; a one-sided verdict
        puts ``1 - confidence_level`` in the tail, a two-sided one half of it.

    Examples
    --------
    >>> verdict(1.0, 30).status, verdict(1.0, 29).status
    ('met', 'insufficient')
    >>> verdict(1.0, 29, method="clopper-pearson", min_n=0).label
    'met (target 90%, 95% one-sided)'
    """
    row = verdicts([estimate], [n], n_eff=None if n_eff is None else [n_eff], target=target,
                   confidence_level=confidence_level, sides=sides, method=method, min_n=min_n).iloc[0]
    return verdict_from_row(row)


def verdict_from_row(row: pd.Series) -> Verdict:
    """The :class:`Verdict` of one row of :func:`verdicts`."""
    more = None if pd.isna(row.more_needed) else int(row.more_needed)
    return Verdict(str(row.status), str(row.label), float(row.target), float(row.confidence_level),
                   str(row.sides), more, float(row.ci_low), float(row.ci_high))


def verdicts(
    estimate: ArrayLike,
    n: ArrayLike,
    *,
    n_eff: ArrayLike | None = None,
    target: float = 0.90,
    confidence_level: float = 0.95,
    sides: str = "one-sided",
    method: str = "wilson",
    min_n: int = 30,
    adjust: str | None = None,
) -> pd.DataFrame:
    """Vectorised :func:`verdict`; `adjust` ('holm' or 'bh') adjusts across the units.

    With an adjustment each unit's one-sided p-value (of H0: p <= target when the estimate
    is above it, of H0: p >= target when below) is found by inverting the interval, the
    p-values of the units with enough respondents are adjusted together, and a verdict is
    settled when its adjusted p-value is within the tail probability.

    Returns
    -------
    pandas.DataFrame
        Columns ``estimate, n, n_eff, ci_low, ci_high, p_value, p_adjusted, status,
        more_needed, label, target, confidence_level, sides``.
    """
    target = check_fraction("target", target)
    level = check_confidence_level(confidence_level)
    check_choice("sides", sides, SIDES)
    check_choice("method", method, METHODS)
    if adjust is not None:
        check_choice("adjust", adjust, ADJUSTMENTS)
    if not (isinstance(min_n, int | np.integer) and min_n >= 0):
        raise ValueError(f"min_n must be a whole number >= 0; got {min_n!r}")
    est = np.asarray(estimate, dtype=float).ravel()
    n = np.asarray(n, dtype=float).ravel()
    n_eff = n.copy() if n_eff is None else np.asarray(n_eff, dtype=float).ravel()
    tail = 1 - level if sides == "one-sided" else (1 - level) / 2
    low, high = bounds(est * n_eff, n_eff, method=method, tail=tail)
    status = np.where(low >= target, "met", np.where(high < target, "not-met", "inconclusive"))
    p_value = p_adjusted = np.full(len(est), np.nan)
    enough = (n >= min_n) & ~np.isnan(est)
    if adjust is not None:
        p_value = _p_values(est, n_eff, target=target, method=method)
        p_adjusted = np.full(len(est), np.nan)
        p_adjusted[enough] = adjust_pvalues(p_value[enough], method=adjust)
        settled = p_adjusted <= tail
        status = np.where(settled, np.where(est > target, "met", "not-met"), "inconclusive")
    status = np.where(enough, status, "insufficient")
    more = _more_needed(est, n, n_eff, target=target, method=method, tail=tail)
    more = np.where(status == "insufficient", np.maximum(min_n - n, np.nan_to_num(more)), more)
    more = np.where(np.isin(status, ["met", "not-met"]), np.nan, more)
    percent = f"{level * 100:g}% {sides}"
    return pd.DataFrame({
        "estimate": est, "n": n, "n_eff": n_eff, "ci_low": low, "ci_high": high,
        "p_value": p_value, "p_adjusted": p_adjusted, "status": status,
        "more_needed": pd.array(more, dtype="Int64"),  # NaN becomes <NA>
        "label": [f"{s} (target {target * 100:g}%, {percent})" for s in status],
        "target": target, "confidence_level": level, "sides": sides,
    })


def _decided(
    est: np.ndarray, n_eff: np.ndarray, *, target: float, method: str, tail: float
) -> np.ndarray:
    low, high = bounds(est * n_eff, n_eff, method=method, tail=tail)
    return np.where(est > target, low >= target, high < target)


def _more_needed(est: np.ndarray, n: np.ndarray, n_eff: np.ndarray, *, target: float, method: str,
                 tail: float) -> np.ndarray:
    """Smallest extra k with a settled verdict at ``n + k`` respondents, same est and deff."""
    with np.errstate(invalid="ignore", divide="ignore"):
        ratio = np.where(n > 0, n_eff / n, np.nan)
    searchable = ~np.isnan(est) & ~np.isnan(ratio) & (est != target)
    reachable = searchable & _decided(est, ratio * (n + _FAR), target=target, method=method, tail=tail)
    lo = np.zeros(len(est))  # not decided at n + lo (or lo = 0)
    hi = np.full(len(est), _FAR)  # decided at n + hi
    for _ in range(60):
        mid = np.floor((lo + hi) / 2)
        done = _decided(est, ratio * (n + mid), target=target, method=method, tail=tail)
        hi = np.where(reachable & done, mid, hi)
        lo = np.where(reachable & ~done, mid, lo)
    return np.where(reachable, np.maximum(hi, 1), np.nan)


def _p_values(est: np.ndarray, n_eff: np.ndarray, *, target: float, method: str) -> np.ndarray:
    """One-sided p-value in the direction of the estimate, by inverting the interval."""
    out = np.ones(len(est))
    for i, (p, m) in enumerate(zip(est, n_eff, strict=True)):
        if np.isnan(p) or p == target or not m > 0:
            continue
        side = 0 if p > target else 1

        def gap(tail: float, p: float = p, m: float = m, side: int = side) -> float:
            bound = bounds(np.array([p * m]), np.array([m]), method=method, tail=tail)[side][0]
            return bound - target if side == 0 else target - bound

        lo, hi = 1e-15, 1 - 1e-15
        if gap(lo) >= 0:
            out[i] = 0.0
        elif gap(hi) > 0:
            out[i] = optimize.brentq(gap, lo, hi, xtol=1e-14)
    return out


def adjust_pvalues(p: ArrayLike, *, method: str = "holm") -> np.ndarray:
    """Holm (1979) step-down or Benjamini-Hochberg (1995) step-up adjusted p-values.

    Examples
    --------
    >>> adjust_pvalues([0.01, 0.04, 0.03], method="holm").round(4)
    array([0.03, 0.06, 0.06])
    >>> adjust_pvalues([0.01, 0.04, 0.03], method="bh").round(4)
    array([0.03, 0.04, 0.04])
    """
    check_choice("method", method, ADJUSTMENTS)
    p = np.asarray(p, dtype=float)
    m = len(p)
    if m == 0:
        return p.copy()
    order = np.argsort(p, kind="stable")
    ranked = p[order]
    if method == "holm":
        adjusted = np.maximum.accumulate((m - np.arange(m)) * ranked)
    else:
        adjusted = np.minimum.accumulate((m * ranked / np.arange(1, m + 1))[::-1])[::-1]
    out = np.empty(m)
    out[order] = np.minimum(adjusted, 1.0)
    return out
