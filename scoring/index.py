"""The SIPAS index with respondent-level (linearised) uncertainty, from additive moments.

Items → factors → index as in METHOD.md §1.3: P_j = S_j / A_j over the answers given,
F_k = weighted mean of P_j over the items of k with answers, I = weighted mean of F_k over
the factors with answers. So I = Σ_j c_j S_j / A_j with c_j = w_k v_j / (Σ_k' w_k' · Σ_{j'∈k} v_j').
Its Taylor linearisation gives the influence z_i = Σ_j c_j (s_ij − P_j a_ij) / A_j = dᵀ x_i,
so Var(I) = n/(n−1) Σ_i z_i² = n/(n−1) dᵀ M d: the with-replacement estimator s²/n.

That variance is 0 when every respondent is satisfied (or none is), and unstable near 0% and
100%; :func:`boundary_aware` gives the effective sample size a smoothed estimate and a variance
that is never 0 (a pseudo respondent, as Agresti & Coull add pseudo-observations, whose weight
shrinks with the respondent count).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .instrument import Structure
from .moments import Moments

__all__ = ["estimate_arrays", "Estimates", "index_coefficients", "boundary_aware"]

#: The pseudo respondent of :func:`boundary_aware` weighs min(1, PSEUDO_SCALE / n) at n respondents
#: (chosen by simulation, docs/method.md: a whole pseudo respondent over-covered at n = 30).
PSEUDO_SCALE = 2.0


@dataclass(frozen=True, eq=False)
class Estimates:
    """Arrays over G groups: items (G, m), factors (G, K), index (G,); var_* are variances.

    `*_var_binomial` is the variance if every answer were independent (for the design
    effect); `*_smooth` and `*_var_smooth` are the estimate and variance with a pseudo
    respondent added (see the module docstring: never 0 variance, used for the effective n);
    `*_respondents` is the respondents who answered at least one item that counts (for
    factors, and for the index when the moments do not know it: the largest answered count
    among those items, a lower bound).
    """

    n: np.ndarray
    satisfied: np.ndarray
    answered: np.ndarray
    item: np.ndarray
    item_var: np.ndarray
    factor: np.ndarray
    factor_var: np.ndarray
    index: np.ndarray
    index_var: np.ndarray
    index_var_binomial: np.ndarray
    factor_var_binomial: np.ndarray
    factor_respondents: np.ndarray
    index_respondents: np.ndarray
    index_smooth: np.ndarray
    index_var_smooth: np.ndarray
    factor_smooth: np.ndarray
    factor_var_smooth: np.ndarray
    index_floored: np.ndarray
    factor_floored: np.ndarray


def index_coefficients(
    answered: np.ndarray, structure: Structure, *, factor: str | None = None
) -> np.ndarray:
    """Coefficients c_j (G, m) of I = Σ c_j P_j, over items with answers (A_j > 0).

    With `factor`, the coefficients of that factor's F_k instead. Rows with no answered
    item are all zero.
    """
    factors = structure.factors
    member = np.array([[item.factor == k for k in factors] for item in structure.items], dtype=float)
    item_weight = np.array([item.weight for item in structure.items])
    given = (answered > 0) * item_weight  # (G, m)
    within = given @ member  # Σ v over answered items, per factor (G, K)
    with np.errstate(invalid="ignore", divide="ignore"):
        share = np.where(within @ member.T > 0, given / (within @ member.T), 0.0)
    if factor is not None:
        return share * member[:, factors.index(factor)]
    weight = np.array([structure.factor_weight(k) for k in factors]) * (within > 0)  # (G, K)
    with np.errstate(invalid="ignore", divide="ignore"):
        weight = weight / weight.sum(axis=1, keepdims=True)
    return share * np.nan_to_num(weight @ member.T)


#: Groups whose quadratic forms are taken at once: bounds the working arrays whatever the number of
#: groups (the stacked vectors and their product: 2 × 2m × 2S doubles a group; 6.5 KB at 17 items
#: and S = 6 sets of coefficients, SIPAS's five factors and the index: 27 MB a chunk).
QUADRATIC_GROUPS = 4_096


def _linearised_variances(
    moments: Moments, coefs: list[np.ndarray], proportion: np.ndarray
) -> list[np.ndarray]:
    """The linearised variance of Σ c_j P_j for each set of coefficients (G, m) of `coefs`.

    All sets are taken in one pass over the groups' cross-products, which is what costs.
    """
    answered = moments.totals[:, len(moments.items) :]
    filled = np.nan_to_num(proportion)
    sets = len(coefs)
    forms = np.empty((len(moments), 2 * sets))
    for start in range(0, len(moments), QUADRATIC_GROUPS):
        part = slice(start, start + QUADRATIC_GROUPS)
        d = []
        for coef in coefs:
            with np.errstate(invalid="ignore", divide="ignore"):
                d_s = np.where(answered[part] > 0, coef[part] / answered[part], 0.0)
            d.append(np.hstack([d_s, -d_s * filled[part]]))
        stacked = np.stack(d + [np.abs(x) for x in d], axis=2)  # (groups, 2m, 2 × sets)
        forms[part] = _quadratic(moments.cross[part], stacked)
    variances = []
    for at in range(sets):
        sum_sq, scale = forms[:, at], forms[:, sets + at]
        # the quadratic form cancels exactly when every z_i = 0 (e.g. all satisfied); drop the rounding
        sum_sq = np.where(sum_sq <= 1e-12 * scale, 0.0, sum_sq)
        with np.errstate(invalid="ignore", divide="ignore"):
            var = np.where(moments.n > 1, moments.n / (moments.n - 1) * sum_sq, np.nan)
        variances.append(np.maximum(var, 0.0))
    return variances


def _quadratic(cross: np.ndarray, d: np.ndarray) -> np.ndarray:
    """d_gs' X_g d_gs for every group g and column s of d (G, m, S): one batched product (matmul
    runs each group's matrix product in BLAS; six times faster than a vector at a time)."""
    return (np.matmul(cross, d) * d).sum(axis=1)


def estimate_arrays(moments: Moments, *, structure: Structure) -> Estimates:
    """Point estimates and variances for every group of `moments`.

    Items with no answers are dropped from their factor and factors with no answered item
    from the index (the remaining weights are renormalised); a group with no answered
    item has NaN estimates. Groups with n <= 1 have NaN linearised variances.

    Examples
    --------
    >>> import pandas as pd
    >>> from scoring import Item, Structure, moments_from_patterns
    >>> s = Structure(items=(Item("Q1", "A"), Item("Q2", "A")))
    >>> h = pd.DataFrame({"answered_mask": [3, 3, 1], "satisfied_mask": [3, 0, 1], "n": [6, 3, 1]})
    >>> e = estimate_arrays(moments_from_patterns(h, structure=s), structure=s)
    >>> e.item.round(4).tolist(), e.index.round(4).tolist()
    ([[0.7, 0.6667]], [0.6833])
    """
    if moments.items != structure.codes:
        raise ValueError(f"moments are over items {moments.items}; the structure has {structure.codes}")
    m = len(structure.items)
    satisfied, answered = moments.totals[:, :m], moments.totals[:, m:]
    with np.errstate(invalid="ignore", divide="ignore"):
        item = np.where(answered > 0, satisfied / answered, np.nan)
        item_var = item * (1 - item) / answered
    plain = _scored(moments, structure)
    factor_respondents = np.array([
        np.where(index_coefficients(answered, structure, factor=k) > 0, answered, 0).max(axis=1)
        for k in structure.factors]).T.reshape(len(moments), len(structure.factors))
    index_respondents = np.where(index_coefficients(answered, structure) > 0, answered, 0).max(axis=1)
    if moments.answering is not None:
        index_respondents = np.minimum(moments.answering, moments.n)
    index_smooth, index_var_smooth, index_floored = boundary_aware(plain[0], np.fmax(plain[1], plain[2]),
                                                                   index_respondents)
    factor_smooth, factor_var_smooth, factor_floored = boundary_aware(plain[3], np.fmax(plain[4], plain[5]),
                                                      factor_respondents)
    return Estimates(
        n=moments.n,
        satisfied=satisfied,
        answered=answered,
        item=item,
        item_var=item_var,
        factor=plain[3],
        factor_var=plain[4],
        index=plain[0],
        index_var=plain[1],
        index_var_binomial=plain[2],
        factor_var_binomial=plain[5],
        factor_respondents=factor_respondents,
        index_respondents=index_respondents,
        index_smooth=index_smooth,
        index_var_smooth=index_var_smooth,
        factor_smooth=factor_smooth,
        factor_var_smooth=factor_var_smooth,
        index_floored=index_floored,
        factor_floored=factor_floored,
    )


def _scored(moments: Moments, structure: Structure) -> tuple[np.ndarray, ...]:
    """Index, its variance and binomial variance, then the same per factor (G, K)."""
    m = len(structure.items)
    satisfied, answered = moments.totals[:, :m], moments.totals[:, m:]
    with np.errstate(invalid="ignore", divide="ignore"):
        item = np.where(answered > 0, satisfied / answered, np.nan)
        item_var = item * (1 - item) / answered
    filled = np.nan_to_num(item)
    # The factors' coefficients, then the index's.
    coefs = [index_coefficients(answered, structure, factor=k) for k in structure.factors]
    coefs.append(index_coefficients(answered, structure))
    has = [coef.sum(axis=1) > 0 for coef in coefs]
    estimate = [np.where(h, (coef * filled).sum(axis=1), np.nan) for coef, h in zip(coefs, has, strict=True)]
    variance = [np.where(h, var, np.nan)
                for h, var in zip(has, _linearised_variances(moments, coefs, item), strict=True)]
    binomial = [_binomial_variance(coef, item_var) for coef in coefs]

    def by_factor(values: list[np.ndarray]) -> np.ndarray:
        return np.array(values[:-1]).T.reshape(len(moments), len(structure.factors))

    return (estimate[-1], variance[-1], binomial[-1],
            by_factor(estimate), by_factor(variance), by_factor(binomial))


def boundary_aware(
    estimate: np.ndarray, variance: np.ndarray, respondents: np.ndarray, *, scale: float = PSEUDO_SCALE
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """A smoothed estimate and a variance that is never 0 for a group with respondents.

    A pseudo respondent of weight ``w = min(1, scale / n)`` scoring half 1 and half 0 is added:
    the estimate becomes ``S = (n I + w/2) / (n + w)``, and the variance is at least that pseudo
    respondent's own contribution, ``w (S² + (1 − S)²) / (2 (n + w)²)``. At 0% or 100% this
    gives an effective n of about n + w (as if the respondents were all-or-nothing), whatever
    w; inside (0, 1) the floor is O(1/n³) from n = `scale` on and binds only when the
    linearised variance is implausibly small for the respondent count. (A whole pseudo
    respondent at every n, O(1/n²), bound in half the samples of a true 90% at n = 30 and
    made the interval over-cover; docs/method.md.) Returns the estimate, the variance and
    whether the floor was used (then the variance is a bound, not an estimate with degrees
    of freedom).

    Examples
    --------
    >>> smooth, var, floored = boundary_aware(np.array([1.0, 1.0]), np.array([0.0, 0.0]), np.array([2, 30]))
    >>> (smooth * (1 - smooth) / var).round(2).tolist(), floored.tolist()  # effective n, about n + w
    ([3.46, 30.1], [True, True])
    """
    n = np.asarray(respondents, dtype=float)
    with np.errstate(invalid="ignore", divide="ignore"):
        weight = np.minimum(1.0, scale / n)
        smooth = np.where(n > 0, (n * estimate + weight / 2) / (n + weight), np.nan)
        floor = weight * (smooth**2 + (1 - smooth) ** 2) / (2 * (n + weight) ** 2)
    floored = ~(np.nan_to_num(variance) > floor)
    return smooth, np.where(np.isnan(estimate), np.nan, np.fmax(np.nan_to_num(variance), floor)), floored


def _binomial_variance(coef: np.ndarray, item_var: np.ndarray) -> np.ndarray:
    """Σ c_j² P_j (1 − P_j) / A_j: the variance if all item answers were independent."""
    terms = np.where(coef > 0, coef**2 * np.nan_to_num(item_var), 0.0)
    return np.where(coef.sum(axis=1) > 0, terms.sum(axis=1), np.nan)
