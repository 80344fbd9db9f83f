"""Seeded simulation: the index interval covers the true index about 95% of the time."""


import numpy as np
import pandas as pd
from scipy import stats

from scoring import SIPAS_SERVICE, moments_from_patterns, score_groups

REPS = 1000
RESPONDENTS = 120


def simulate(rng, *, reps, n, structure):
    """Correlated satisfaction (a respondent effect) with items left unanswered at random."""
    m = len(structure.items)
    truth_items = np.linspace(0.85, 0.95, m)
    rho = 0.5
    threshold = stats.norm.ppf(1 - truth_items)
    latent = np.sqrt(rho) * rng.normal(size=(reps * n, 1)) + np.sqrt(1 - rho) * rng.normal(size=(reps * n, m))
    satisfied = latent > threshold
    miss = np.array([{"D": 0.2, "E": 0.45}.get(i.factor, 0.05) for i in structure.items])
    answered = rng.random((reps * n, m)) >= miss
    bits = 1 << np.arange(m)
    frame = pd.DataFrame({
        "rep": np.repeat(np.arange(reps), n),
        "answered_mask": (answered * bits).sum(1),
        "satisfied_mask": ((answered & satisfied) * bits).sum(1),
    })
    patterns = frame.groupby(["rep", "answered_mask", "satisfied_mask"]).size().rename("n").reset_index()
    factors = structure.factors
    truth = np.mean([truth_items[[i.factor == k for i in structure.items]].mean() for k in factors])
    return patterns, truth


def test_index_interval_covers_about_95_percent():
    rng = np.random.default_rng(20251122)
    patterns, truth = simulate(rng, reps=REPS, n=RESPONDENTS, structure=SIPAS_SERVICE)
    moments = moments_from_patterns(patterns, by=["rep"], structure=SIPAS_SERVICE)
    scores = score_groups(moments, structure=SIPAS_SERVICE)
    low = np.array([s.index.ci_low for s in scores])
    high = np.array([s.index.ci_high for s in scores])
    coverage = np.mean((low <= truth) & (truth <= high))
    assert 0.92 <= coverage <= 0.975, coverage
    # the design effect is real: pooling item answers would be too narrow
    assert np.median([s.index.deff for s in scores]) > 2
    assert abs(truth - 0.9) < 0.01
