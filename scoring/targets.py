"""Verdicts against a target, with optional Holm or Benjamini-Hochberg adjustment.

A unit is *met* when its lower bound is at or above the target, *not-met* when its upper
bound is below it, *inconclusive* otherwise, and *insufficient* below a minimum number of
respondents. Multiple-testing adjustments: Holm (1979) Scand J Stat 6:65;
Benjamini & Hochberg (1995) JRSS B 57:289.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass, fields
from typing import Any, TypeAlias

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike
from scipy import special

from ._checks import METHODS, SIDES, check_choice, check_confidence_level, check_fraction
from .index import PSEUDO_SCALE
from .intervals import bounds
from .roots import crossing, halve, interpolate, narrow

__all__ = ["Verdict", "verdict", "verdicts", "adjust_pvalues", "ADJUSTMENTS", "REACH"]

ADJUSTMENTS = ("holm", "bh")
#: Further responses count as "not reachable" beyond this many times the unit's yearly volume.
REACH = 10

#: What a bound function returns for tail probabilities: lower and upper bounds.
BoundFunction: TypeAlias = Callable[[np.ndarray], tuple[np.ndarray, np.ndarray]]
#: The bounds the verdict's rule gives a group with (estimate, respondents, n_eff) at a tail.
RuleBound: TypeAlias = Callable[[np.ndarray, np.ndarray, np.ndarray, float], tuple[np.ndarray, np.ndarray]]


@dataclass(frozen=True)
class Verdict:
    """A target verdict and the settings it was reached with.

    `ci_low`/`ci_high` is the interval the verdict used: two-sided at `interval_level`
    (``1 − 2(1 − confidence_level)`` for a one-sided verdict, ``confidence_level`` for a
    two-sided one), widened for the `adjustment` across units when there is one. `n` is the
    respondents counted by the minimum-n gate (those who answered an index item).
    `more_needed` is the number of further responses that would give a settled verdict with
    probability `power` if the truth were the current estimate (None when settled, at the
    target, or beyond reach: `reachable` then says which).
    """

    status: str
    label: str
    target: float
    confidence_level: float
    sides: str
    more_needed: int | None = None
    ci_low: float = float("nan")
    ci_high: float = float("nan")
    interval_level: float = float("nan")
    adjustment: str = "none"
    reachable: bool = True
    power: float = 0.8
    n: int = 0

    def to_dict(self) -> dict:
        """Plain values (NaN as None), the ``verdict`` object of ``hailong-score``'s JSON."""
        # the fields one by one: dataclasses.asdict deep-copies, and pages turn thousands of these
        values = ((name, getattr(self, name)) for name in VERDICT_FIELDS)
        return {k: None if isinstance(v, float) and math.isnan(v) else v for k, v in values}


#: The fields of a Verdict, in order.
VERDICT_FIELDS = tuple(f.name for f in fields(Verdict))


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
    power: float = 0.8,
    volume: float | None = None,
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
    target, confidence_level, sides, method, min_n, power, volume
        The bounds are `method` at ``(estimate * n_eff, n_eff)``; a one-sided verdict
        puts ``1 - confidence_level`` in the tail, a two-sided one half of it. See
        :func:`verdicts` for `power` and `volume`.

    Examples
    --------
    >>> verdict(1.0, 30).status, verdict(1.0, 29).status
    ('met', 'insufficient')
    >>> verdict(1.0, 29, method="clopper-pearson", min_n=0).label
    'met (target 90%, 95% one-sided)'
    """
    row = verdicts([estimate], [n], n_eff=None if n_eff is None else [n_eff], target=target,
                   confidence_level=confidence_level, sides=sides, method=method, min_n=min_n,
                   power=power, volume=None if volume is None else [volume]).iloc[0]
    return verdict_from_row(row)


def verdict_from_row(row: pd.Series | Mapping[Any, Any]) -> Verdict:
    """The :class:`Verdict` of one row of :func:`verdicts` (a Series, or a record of its columns)."""
    more = None if pd.isna(row["more_needed"]) else int(row["more_needed"])
    return Verdict(str(row["status"]), str(row["label"]), float(row["target"]),
                   float(row["confidence_level"]), str(row["sides"]), more, float(row["ci_low"]),
                   float(row["ci_high"]), float(row["interval_level"]), str(row["adjustment"]),
                   bool(row["reachable"]), float(row["power"]), int(row["n"]))


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
    power: float = 0.8,
    volume: ArrayLike | None = None,
    bound: BoundFunction | None = None,
    rule: RuleBound | None = None,
) -> pd.DataFrame:
    """Vectorised :func:`verdict`; `adjust` ('holm' or 'bh') adjusts across the units.

    With an adjustment each unit's one-sided p-value (of H0: p <= target when the estimate
    is above it, of H0: p >= target when below) is found by inverting the interval, the
    p-values of the units with enough respondents are adjusted together, and a verdict is
    settled when its adjusted p-value is within the tail probability. The interval returned
    is then the one at the unit's adjusted tail ``tail · p / p_adjusted``, so that it agrees
    with the verdict (Holm: Holm 1979; BH: Benjamini & Hochberg 1995).

    `bound` maps tail probabilities (one per unit) to lower and upper bounds; by default
    `method` at ``(estimate · n_eff, n_eff)``. The index passes its design-based interval.
    `rule` gives the bounds of a group with given (estimate, respondents, n_eff) at a tail:
    by default `method` at ``(estimate · n_eff, n_eff)``; the index passes its own.
    `more_needed` is the smallest k with P(settled at n + k) >= `power` if the truth were
    the estimate and the design effect stayed, found by evaluating `rule` itself (see
    :func:`_more_needed`); beyond ``REACH`` times `volume` (the unit's responses a year;
    default the larger of `n` and `min_n`) it is NA and `reachable` is False.

    Returns
    -------
    pandas.DataFrame
        Columns ``estimate, n, n_eff, ci_low, ci_high, interval_level, p_value, p_adjusted,
        status, more_needed, reachable, label, target, confidence_level, sides, adjustment, power``.
    """
    target = check_fraction("target", target)
    level = check_confidence_level(confidence_level)
    check_choice("sides", sides, SIDES)
    check_choice("method", method, METHODS)
    if adjust is not None and adjust != "none":
        check_choice("adjust", adjust, ADJUSTMENTS)
    if not (isinstance(min_n, int | np.integer) and min_n >= 0):
        raise ValueError(f"min_n must be a whole number >= 0; got {min_n!r}")
    if not 0 < float(power) < 1:
        raise ValueError(f"power must be in (0, 1); got {power!r}")
    est = np.asarray(estimate, dtype=float).ravel()
    n = np.asarray(n, dtype=float).ravel()
    n_eff = n.copy() if n_eff is None else np.asarray(n_eff, dtype=float).ravel()
    if rule is None:
        def rule(estimate: np.ndarray, _: np.ndarray, size: np.ndarray,
                 tail: float) -> tuple[np.ndarray, np.ndarray]:
            return bounds(estimate * size, size, method=method, tail=tail)
    if bound is None:
        def bound(tail: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
            return bounds(est * n_eff, n_eff, method=method, tail=tail)
    tail = 1 - level if sides == "one-sided" else (1 - level) / 2
    tails = np.full(len(est), tail)
    low, high = bound(tails)
    status = np.where(low >= target, "met", np.where(high < target, "not-met", "inconclusive"))
    p_value = p_adjusted = np.full(len(est), np.nan)
    enough = (n >= min_n) & ~np.isnan(est)
    if adjust in ADJUSTMENTS:
        p_value = _p_values(est, bound, target=target)
        p_adjusted = np.full(len(est), np.nan)
        p_adjusted[enough] = adjust_pvalues(p_value[enough], method=adjust)
        settled = p_adjusted <= tail
        status = np.where(settled, np.where(est > target, "met", "not-met"), "inconclusive")
        with np.errstate(invalid="ignore", divide="ignore"):
            shrink = np.where(enough & (p_adjusted > 0), p_value / p_adjusted, 1.0)
        low, high = bound(tails * np.clip(np.nan_to_num(shrink, nan=1.0), 1e-12, 1.0))
    status = np.where(enough, status, "insufficient")
    if volume is None:
        volume = np.maximum(n, min_n)
    volume = np.broadcast_to(np.asarray(volume, dtype=float).ravel(), est.shape)
    more, reachable = np.full(len(est), np.nan), np.zeros(len(est), dtype=bool)
    open_ = ~np.isin(status, ["met", "not-met"])  # a settled verdict needs no more
    more[open_], reachable[open_] = _more_needed(est[open_], n[open_], n_eff[open_], target=target, tail=tail,
                                                 power=float(power), volume=volume[open_], rule=rule)
    # with no estimate yet, the minimum n is all one can tell
    reachable = reachable | np.isnan(est)
    more = np.where(status == "insufficient", np.maximum(min_n - n, np.nan_to_num(more)), more)
    more = np.where(np.isin(status, ["met", "not-met"]) | ~reachable, np.nan, more)
    percent = f"{level * 100:g}% {sides}"
    adjustment = adjust if adjust in ADJUSTMENTS else "none"
    return pd.DataFrame({
        "estimate": est, "n": n, "n_eff": n_eff, "ci_low": low, "ci_high": high,
        "interval_level": round(1 - 2 * tail, 12), "p_value": p_value, "p_adjusted": p_adjusted,
        "status": status,
        "more_needed": pd.array(more, dtype="Int64"),  # NaN becomes <NA>
        "reachable": reachable | np.isin(status, ["met", "not-met"]),
        "label": [f"{s} (target {target * 100:g}%, {percent}"
                  + ("" if adjustment == "none" else f", {adjustment} adjusted") + ")" for s in status],
        "target": target, "confidence_level": level, "sides": sides, "adjustment": adjustment,
        "power": float(power),
    })


#: Halvings of the span from the target to 0% or 100% before interpolating a critical estimate
#: (0.9 / 2¹⁴ ≈ 6·10⁻⁵, then linear between the two sides: far below a standard error).
CRITICAL_STEPS = 14
#: Width in log N to which the bisection of "about N more" narrows before interpolating (≈ 5%;
#: the chance of settling is smooth in N, so the interpolated N is good to well within 1%).
LOG_N_WIDTH = 0.05


def _more_needed(est: np.ndarray, n: np.ndarray, n_eff: np.ndarray, *, target: float, tail: float,
                 power: float, volume: np.ndarray, rule: RuleBound) -> tuple[np.ndarray, np.ndarray]:
    """Further responses for a settled verdict with probability `power`, and whether within reach.

    If the truth is the estimate p and the design effect stays (n_eff' = N n_eff / n at N
    respondents), the estimate at N is about normal with mean p and variance p̃(1 − p̃)/n_eff'
    (p̃ smoothed as the index's boundary-aware estimate is, so that 0% and 100% need more).
    The verdict's own `rule` (its small-sample degrees of freedom, its floor, its shape) settles
    it when that estimate is at least the smallest c with ``low(c, N) >= target`` or below the
    largest c with ``high(c, N) < target`` (whichever side p is on: the other verdict is
    negligibly likely then), found by bisection on c, and N by bisection on that probability;
    each bisection stops early and ends by linear interpolation of how far the rule (or the
    probability) is past settling, then N is rounded up. Against a search a thousand times
    finer, N is within 0.05% (plain bisection to 1% was up to 2.5% high and took 2.3 times the
    evaluations of the rule). A normal-approximation sample size
    (e.g. Fleiss, Levin & Paik 2003, §2.5) ignores the degrees of freedom and the floor and
    settled only about 69% of the time instead of 80% (docs/method.md).
    """
    with np.errstate(invalid="ignore", divide="ignore"):
        weight = np.minimum(1.0, PSEUDO_SCALE / n)
        smooth = (est * n + weight / 2) / (n + weight)
        ratio = np.where(n > 0, n_eff / n, 1.0)
    searchable = ~np.isnan(est) & (est != target) & (n > 0) & (ratio > 0)
    p = np.where(searchable, est, target + 0.01)
    spread = np.where(searchable, np.sqrt(np.clip(smooth * (1 - smooth), 1e-12, None)), 0.1)
    ratio = np.where(searchable, ratio, 1.0)
    limit = REACH * np.maximum(np.nan_to_num(volume), 1.0)

    up = p > target

    def settle(total: np.ndarray) -> np.ndarray:
        """P(settled at `total` respondents, on the side of p) if the truth is p."""
        size = total * ratio

        def margin(c: np.ndarray) -> np.ndarray:
            """How far an estimate c at this size is past settling (>= 0: settled)."""
            low, high = rule(c, total, size, tail)
            return np.where(up, low - target, target - high)

        critical = crossing(margin, np.full(p.shape, target), np.where(up, 1.0, 0.0), steps=CRITICAL_STEPS)
        z = (critical - p) / (spread / np.sqrt(size))
        return np.nan_to_num(np.where(up, special.ndtr(-z), special.ndtr(z)))

    def short(log_total: np.ndarray) -> np.ndarray:
        """How far e^log_total respondents are past settling with probability `power` (>= 0: they are)."""
        return settle(np.exp(log_total)) - power

    base = np.maximum(n, 1.0)
    first, last = np.log(base + 1), np.log(base + limit)
    at_last = short(last)
    reachable = searchable & (at_last >= 0)
    # bracket around the normal-approximation size (Fleiss, Levin & Paik 2003), then narrow
    with np.errstate(invalid="ignore", divide="ignore"):
        root = (-special.ndtri(tail) * np.sqrt(target * (1 - target))
                + special.ndtri(power) * spread) / np.abs(p - target)
    guess = np.log(np.clip(root**2 / ratio, base + 1, base + limit))
    low, high = np.maximum(first, guess - np.log(2)), np.minimum(last, guess + np.log(2))
    at_high = short(high)
    above = at_high >= 0
    low, high = np.where(above, low, high), np.where(above, high, last)
    at_high = np.where(above, at_high, at_last)
    at_low = short(low)
    below = at_low < 0
    # where even the bracket's foot settles, search down to `first` (its margin unknown: no interpolation)
    low, high = np.where(below, low, first), np.where(below, high, low)
    at_high, at_low = np.where(below, at_high, at_low), np.where(below, at_low, np.nan)
    more = np.ceil(np.exp(narrow(short, low, high, at_low, at_high, width=LOG_N_WIDTH)) - n)
    return np.where(searchable & reachable, np.maximum(more, 1.0), np.nan), reachable


def _p_values(est: np.ndarray, bound: BoundFunction, *, target: float) -> np.ndarray:
    """One-sided p-value in the direction of the estimate, by inverting the interval.

    The smallest tail whose bound settles the verdict: bisection on its log, then linear
    interpolation of how far the bound is past the target.
    """
    above = est > target

    def margin(log_tail: np.ndarray) -> np.ndarray:
        low, high = bound(np.exp(log_tail))
        return np.where(above, low - target, target - high)

    lo = np.full(len(est), np.log(1e-15))  # settled at tail e^lo? no (or p = 0)
    hi = np.full(len(est), np.log(0.4999))  # settled at e^hi? yes (else p >= 0.5: taken as 1)
    at_lo, at_hi = margin(lo), margin(hi)
    found = np.exp(interpolate(*halve(margin, lo, hi, at_lo, at_hi, P_STEPS)))
    p = np.where(at_lo >= 0, 0.0, np.where(at_hi >= 0, found, 1.0))
    return np.where(np.isnan(est) | (est == target), 1.0, p)


#: Halvings of log p (from 10⁻¹⁵ to 0.5, 34.5 wide) before interpolating: to 34.5 / 2²⁰ ≈ 3·10⁻⁵,
#: then the interpolation's error is far smaller (the bound is smooth in the tail).
P_STEPS = 20


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
