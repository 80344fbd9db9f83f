"""Finite populations of respondents with a known SIPAS index, for checking error rates.

The calibration tests and ``benchmarks/calibration`` draw samples from these populations and
count how often a verdict errs and how often an interval covers the population's own index.
Respondents have a latent satisfaction shared by their items (answers of one respondent are
correlated), "no opinion" is common on factors D and E and likelier among the dissatisfied, and
a few respondents answer only the overall question (no index item), as in real counter data.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import optimize, stats

from .index import index_coefficients
from .instrument import SIPAS_SERVICE, Structure
from .moments import Moments, moments_from_patterns

__all__ = ["Population", "make_population", "sample_moments"]

#: Share of each factor's items left as "no opinion" (satisfied, dissatisfied respondents).
_NO_OPINION = {"D": (0.10, 0.30), "E": (0.30, 0.55)}


@dataclass(frozen=True, eq=False)
class Population:
    """Respondents' answer masks and the population's own index (the truth samples estimate)."""

    answered_mask: np.ndarray
    satisfied_mask: np.ndarray
    index: float
    structure: Structure


def make_population(
    index: float, *, size: int = 20_000, rho: float = 0.5, only_overall: float = 0.03, seed: int = 0,
    structure: Structure = SIPAS_SERVICE,
) -> Population:
    """A population whose index is `index` (to about 1e-4; :attr:`Population.index` is exact).

    `rho` is the share of an item's latent variance shared by the respondent's items;
    `only_overall` the share of respondents who answer no index item.
    """
    rng = np.random.default_rng(seed)
    m = len(structure.items)
    person = rng.normal(size=(size, 1))
    latent = np.sqrt(rho) * person + np.sqrt(1 - rho) * rng.normal(size=(size, m))
    spread = np.linspace(-0.3, 0.3, m)  # items differ in difficulty
    unhappy = person[:, 0] < -0.5
    skip = np.zeros((size, m), dtype=bool)
    for j, item in enumerate(structure.items):
        low, high = _NO_OPINION.get(item.factor or "", (0.02, 0.04))
        skip[:, j] = rng.random(size) < np.where(unhappy, high, low)
    skip[rng.random(size) < only_overall] = [item.factor is not None for item in structure.items]
    answered = ~skip
    bits = 1 << np.arange(m, dtype=np.int64)

    coef = index_coefficients(answered.sum(axis=0)[None, :], structure)[0]

    def truth(shift: float) -> float:
        """The index of the whole population: Σ c_j S_j / A_j, as the estimator computes it."""
        shares = (answered & (latent + spread + shift > 0)).sum(axis=0) / np.maximum(answered.sum(axis=0), 1)
        return float(coef @ shares)

    shift = optimize.brentq(lambda c: truth(c) - index, -6, 6, xtol=1e-7)
    satisfied = answered & (latent + spread + shift > 0)
    return Population((answered * bits).sum(axis=1), (satisfied * bits).sum(axis=1), truth(shift), structure)


def sample_moments(population: Population, *, n: int, samples: int, seed: int = 0) -> Moments:
    """Moments of `samples` simple random samples of `n` respondents (without replacement)."""
    rng = np.random.default_rng(seed)
    size = len(population.answered_mask)
    chosen = np.array([rng.choice(size, n, replace=False) for _ in range(samples)])
    frame = pd.DataFrame({
        "sample": np.repeat(np.arange(samples), n),
        "answered_mask": population.answered_mask[chosen.ravel()],
        "satisfied_mask": population.satisfied_mask[chosen.ravel()],
    })
    patterns = frame.groupby(["sample", "answered_mask", "satisfied_mask"]).size().rename("n").reset_index()
    return moments_from_patterns(patterns, by=["sample"], structure=population.structure)


def binomial_coverage(
    method_bounds: Callable[[np.ndarray, np.ndarray], tuple[np.ndarray, np.ndarray]], n: int, p: np.ndarray
) -> np.ndarray:
    """Exact coverage of a proportion interval at each true `p` (binomial sums, no simulation).

    `method_bounds(x, n)` returns the lower and upper bounds for successes ``x = 0..n``.
    """
    x = np.arange(n + 1)
    low, high = method_bounds(x, np.full(n + 1, n))
    p = np.asarray(p, dtype=float)
    cover = (low[None, :] <= p[:, None]) & (p[:, None] <= high[None, :])
    return (stats.binom.pmf(x[None, :], n, p[:, None]) * cover).sum(axis=1)
