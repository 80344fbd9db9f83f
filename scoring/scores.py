"""Per-group scores: items, factors and the index with intervals, design effect and verdict.

Items use `method` (Agresti-Coull by default). The index and the factors use the design-based
interval of :func:`scoring.intervals.design_bounds`: the effective sample size from a variance
that is never below that of independent answers (design effect >= 1) nor 0 at 0% or 100%, a
small-sample degrees-of-freedom correction, and a skewness from the respondent count; so it
stays inside [0, 1], exists for every group with respondents, and keeps its error rates from
n = 30 up (docs/method.md). The verdict uses the same interval at its own tail.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from ._checks import METHODS, check_choice, check_confidence_level
from .index import Estimates, boundary_aware, estimate_arrays
from .instrument import Structure
from .intervals import bounds, design_bounds, interval_at_effective_n
from .moments import GroupLabels, Moments, group_sum
from .targets import Verdict, verdict_from_row, verdicts

__all__ = [
    "ItemScore", "FactorScore", "IndexScore", "GroupScore", "score_groups", "score_rollup", "scores_frame",
]
COMBINE = ("mean-of-units", "pooled")


@dataclass(frozen=True)
class ItemScore:
    """One item: answers (`n`), satisfied answers, share and interval."""

    n: int
    satisfied: int
    estimate: float
    ci_low: float
    ci_high: float


@dataclass(frozen=True)
class FactorScore:
    """One factor: mean of its items' shares, interval by the linearised variance."""

    estimate: float
    ci_low: float
    ci_high: float
    se: float = float("nan")


@dataclass(frozen=True)
class IndexScore:
    """The index with its linearised standard error, design effect and effective n.

    `respondents` answered at least one index item; `missing_factors` have no answer, and
    the index is `partial` (the other factors' weights renormalised) unless that is allowed.
    """

    estimate: float
    ci_low: float
    ci_high: float
    se: float
    deff: float
    n_eff: float
    respondents: float = float("nan")
    missing_factors: tuple[str, ...] = ()
    partial: bool = False


@dataclass(frozen=True)
class GroupScore:
    """Everything scored for one group."""

    group: dict
    n: int
    index: IndexScore
    verdict: Verdict
    factors: dict[str, FactorScore] = field(default_factory=dict)
    items: dict[str, ItemScore] = field(default_factory=dict)

    def to_dict(self) -> dict:
        """The JSON shape of ``hailong-score``: plain values, NaN as None."""
        index_fields = ("estimate", "ci_low", "ci_high", "se", "deff", "n_eff", "respondents", "partial")
        factor_fields = ("estimate", "ci_low", "ci_high")
        item_fields = ("n", "satisfied", "estimate", "ci_low", "ci_high")
        return {
            "group": dict(self.group),
            "n": self.n,
            "index": {**{k: _plain(getattr(self.index, k)) for k in index_fields},
                      "missing_factors": list(self.index.missing_factors)},
            "verdict": self.verdict.to_dict(),
            "factors": {c: {k: _plain(getattr(f, k)) for k in factor_fields}
                        for c, f in self.factors.items()},
            "items": {c: {k: _plain(getattr(i, k)) for k in item_fields}
                      for c, i in self.items.items()},
        }


def _plain(value: object) -> object:
    if isinstance(value, np.generic):
        value = value.item()
    return None if isinstance(value, float) and math.isnan(value) else value


def score_groups(
    moments: Moments,
    *,
    structure: Structure,
    method: str = "agresti-coull",
    confidence_level: float = 0.95,
    target: float = 0.90,
    sides: str = "one-sided",
    min_n: int = 30,
    adjust: str | None = None,
    power: float = 0.8,
    per_year: float | None = None,
    allow_partial: bool = False,
) -> list[GroupScore]:
    """Score every group of `moments`: items, factors, index, verdict.

    Parameters
    ----------
    moments : Moments
        From :func:`moments_from_patterns` (possibly added or regrouped).
    structure : Structure
        Items, factors and weights (e.g. :data:`SIPAS_SERVICE`).
    method : str
        Interval method for items, and for factors and the index at their effective n.
    confidence_level, target, sides, min_n, adjust, power
        Interval level and verdict settings, see :func:`verdicts`.
    per_year : float, optional
        How many periods like the scored one make a year: a group's yearly volume is its
        respondents times this, and "more needed" beyond ten years' worth is "not reachable"
        (default: ten times the larger of the respondents and `min_n`).
    allow_partial : bool
        Whether an index missing a factor is reported as whole (default: flagged partial).

    Examples
    --------
    >>> import pandas as pd
    >>> from scoring import Item, Structure, moments_from_patterns
    >>> s = Structure(items=(Item("Q1", "A"), Item("Q2", "B")))
    >>> h = pd.DataFrame({"answered_mask": [3, 3, 1], "satisfied_mask": [3, 1, 0], "n": [40, 5, 5]})
    >>> [g] = score_groups(moments_from_patterns(h, structure=s), structure=s)
    >>> round(g.index.estimate, 4), round(g.index.se, 4), g.items["Q2"].n, g.verdict.status
    (0.8944, 0.0319, 45, 'inconclusive')
    """
    return _assemble(moments.index, estimate_arrays(moments, structure=structure), structure=structure,
                     exact_items=True, method=method, confidence_level=confidence_level, target=target,
                     sides=sides, min_n=min_n, adjust=adjust, power=power, per_year=per_year,
                     allow_partial=allow_partial)


def score_rollup(
    moments: Moments, *, by: GroupLabels, structure: Structure, combine: str = "mean-of-units",
    **options: Any,
) -> list[GroupScore]:
    """Score parents of the groups of `moments` (see :meth:`Moments.regroup` for `by`).

    ``combine="mean-of-units"`` (default, as published): each estimate of a parent is the
    mean of its units' estimates and its variance Σ var_u / U², units independent.
    ``combine="pooled"``: the units' moments are added and scored as one group.
    `options` are those of :func:`score_groups`.
    """
    check_choice("combine", combine, COMBINE)
    parents = moments.regroup(by)
    if combine == "pooled":
        return score_groups(parents, structure=structure, **options)
    codes, labels = moments.parent_labels(by).factorize()
    child = estimate_arrays(moments, structure=structure)
    return _assemble(parents.index, _mean_of_units(child, codes, len(labels), parents.n),
                     structure=structure, exact_items=False, **options)


def _nanmean_var(
    values: np.ndarray, variances: np.ndarray, codes: np.ndarray, size: int
) -> tuple[np.ndarray, np.ndarray]:
    present = ~np.isnan(values)
    count = group_sum(present, codes, size)
    total = group_sum(np.where(present, values, 0.0), codes, size)
    var_total = group_sum(np.where(present, variances, 0.0), codes, size)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(count > 0, total / count, np.nan), np.where(count > 0, var_total / count**2, np.nan)


def _fallback_var(estimate: np.ndarray, variance: np.ndarray, n: np.ndarray) -> np.ndarray:
    """Unit variances, with I(1 − I)/n (n_eff = n) where the linearisation is 0 or undefined."""
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(np.isnan(variance) | (variance == 0), estimate * (1 - estimate) / n, variance)


def _mean_of_units(child: Estimates, codes: np.ndarray, size: int, n: np.ndarray) -> Estimates:
    def summed(a: np.ndarray) -> np.ndarray:
        return group_sum(a, codes, size)

    def mean(values: np.ndarray, variances: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        return _nanmean_var(values, variances, codes, size)

    item, item_var = mean(child.item, child.item_var)
    factor, factor_var = mean(child.factor,
                              _fallback_var(child.factor, child.factor_var, child.factor_respondents))
    index, index_var = mean(child.index, _fallback_var(child.index, child.index_var, child.index_respondents))
    index_smooth, index_var_smooth = mean(child.index_smooth, child.index_var_smooth)
    factor_smooth, factor_var_smooth = mean(child.factor_smooth, child.factor_var_smooth)
    return Estimates(
        n, summed(child.satisfied), summed(child.answered), item, item_var, factor, factor_var,
        index, index_var,
        index_var_binomial=mean(child.index, child.index_var_binomial)[1],
        factor_var_binomial=mean(child.factor, child.factor_var_binomial)[1],
        factor_respondents=summed(child.factor_respondents),
        index_respondents=summed(child.index_respondents),
        index_smooth=index_smooth,
        index_var_smooth=index_var_smooth,
        factor_smooth=factor_smooth,
        factor_var_smooth=factor_var_smooth,
        # a parent's variance is a bound, not an estimate, only when every unit's is
        index_floored=summed(~child.index_floored & ~np.isnan(child.index)) == 0,
        factor_floored=summed(~child.factor_floored & ~np.isnan(child.factor)) == 0,
    )


def _assemble(keys: pd.Index, est: Estimates, *, structure: Structure, exact_items: bool,
              method: str = "agresti-coull", confidence_level: float = 0.95, target: float = 0.90,
              sides: str = "one-sided", min_n: int = 30, adjust: str | None = None, power: float = 0.8,
              per_year: float | None = None, allow_partial: bool = False) -> list[GroupScore]:
    check_choice("method", method, METHODS)
    level = check_confidence_level(confidence_level)
    two_sided = (1 - level) / 2
    if exact_items:
        item_low, item_high = bounds(est.satisfied, est.answered, method=method, tail=two_sided)
    else:
        item_low, item_high, _ = interval_at_effective_n(est.item, est.item_var, fallback_n=est.answered,
                                                         method=method, confidence_level=level)
    factor_low, factor_high, _ = design_bounds(est.factor, est.factor_smooth, est.factor_var_smooth,
                                               est.factor_respondents, tail=two_sided,
                                               floored=est.factor_floored)

    def index_bounds(tail: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        low, high, _ = design_bounds(est.index, est.index_smooth, est.index_var_smooth, est.index_respondents,
                                     tail=tail, floored=est.index_floored)
        return low, high

    low, high, n_eff = design_bounds(est.index, est.index_smooth, est.index_var_smooth, est.index_respondents,
                                     tail=two_sided, floored=est.index_floored)
    with np.errstate(invalid="ignore", divide="ignore"):
        deff = np.where(est.index_var_binomial > 0, est.index_var / est.index_var_binomial, np.nan)
    judged = verdicts(est.index, est.index_respondents, n_eff=n_eff, target=target,
                      confidence_level=confidence_level, sides=sides, method=method, min_n=min_n,
                      adjust=adjust, power=power, bound=index_bounds, rule=index_rule,
                      volume=None if per_year is None else est.index_respondents * per_year)
    names = list(keys.names)
    # Plain Python values once, not numpy scalars per group: a page builds thousands of these.
    index, index_var, deff, n_eff = (a.tolist() for a in (est.index, est.index_var, deff, n_eff))
    low, high, counted = low.tolist(), high.tolist(), est.n.tolist()
    respondents = est.index_respondents.tolist()
    factor, factor_var = est.factor.tolist(), est.factor_var.tolist()
    factor_low, factor_high = factor_low.tolist(), factor_high.tolist()
    item, item_low, item_high = est.item.tolist(), item_low.tolist(), item_high.tolist()
    answered, satisfied = est.answered.tolist(), est.satisfied.tolist()
    scores = []
    for g, (key, judged_row) in enumerate(zip(keys, judged.to_dict("records"), strict=True)):
        key = key if isinstance(key, tuple) else (key,)
        missing = tuple(k for i, k in enumerate(structure.factors)
                        if math.isnan(factor[g][i]) and not math.isnan(index[g]))
        scores.append(GroupScore(
            group={} if names == [None] else {name: _plain(v) for name, v in zip(names, key, strict=True)},
            n=int(counted[g]),
            index=IndexScore(index[g], low[g], high[g], math.sqrt(index_var[g]), deff[g], n_eff[g],
                             respondents[g], missing_factors=missing,
                             partial=bool(missing) and not allow_partial),
            verdict=verdict_from_row(judged_row),
            factors={k: FactorScore(factor[g][i], factor_low[g][i], factor_high[g][i],
                                    math.sqrt(factor_var[g][i]))
                     for i, k in enumerate(structure.factors)},
            items={c: ItemScore(int(answered[g][j]), int(satisfied[g][j]), item[g][j], item_low[g][j],
                                item_high[g][j])
                   for j, c in enumerate(structure.codes)},
        ))
    return scores


def index_rule(estimate: np.ndarray, respondents: np.ndarray, n_eff: np.ndarray,
               tail: float) -> tuple[np.ndarray, np.ndarray]:
    """The index's bounds for a group with this estimate, respondents and effective n.

    The variance is ``estimate (1 − estimate) / n_eff`` with the boundary-aware floor and
    degrees of freedom of :func:`scoring.intervals.design_bounds`: what "about N more" assumes
    a future sample looks like.
    """
    with np.errstate(invalid="ignore", divide="ignore"):
        variance = estimate * (1 - estimate) / n_eff
    smooth, var_smooth, floored = boundary_aware(estimate, variance, respondents)
    low, high, _ = design_bounds(estimate, smooth, var_smooth, respondents, tail=tail, floored=floored)
    return low, high


def scores_frame(scores: list[GroupScore]) -> pd.DataFrame:
    """Flatten scores for spreadsheets: group columns, n, index_*, verdict, factor_K_*, item_J_*."""
    rows = []
    for score in scores:
        data = score.to_dict()
        row = {**data["group"], "n": data["n"]}
        row.update({f"index_{k}": v for k, v in data["index"].items()})
        row["index_missing_factors"] = " ".join(data["index"].pop("missing_factors"))
        row.update({f"verdict_{k}" if k != "status" else "verdict": v for k, v in data["verdict"].items()})
        for kind in ("factors", "items"):
            for code, values in data[kind].items():
                row.update({f"{kind[:-1]}_{code}_{k}": v for k, v in values.items()})
        rows.append(row)
    return pd.DataFrame(rows)
