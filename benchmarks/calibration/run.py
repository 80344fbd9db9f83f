"""Calibration of verdicts and intervals: error rates before and after, by simulation.

    PYTHONPATH=. python benchmarks/calibration/run.py [--samples 4000] > benchmarks/calibration/results.md

Populations come from `scoring.calibration` (20,000 respondents, correlated items, "no opinion"
common on D and E and likelier among the dissatisfied, 3% answering only OVERALL); `rho` is the
share of an item's latent variance shared by the respondent's items. "before" is the construction
this project used until the calibration (Wilson at n_eff = I(1 − I)/se², se² floored at the
independent-answer variance, n_eff = the respondents when se = 0, gate on every respondent, items
Wilson); "first" is the first calibrated one (`design_bounds` with a whole pseudo respondent at
every n and Bernoulli-and-a-half kurtosis in the degrees of freedom); "now" is the current one
(`scoring.intervals.design_bounds` with its defaults).
"""

from __future__ import annotations

import argparse

import numpy as np
from scipy import stats as sps

from scoring import SIPAS_SERVICE, estimate_arrays, shrink_estimates, verdicts
from scoring.calibration import binomial_coverage, make_population, sample_moments
from scoring.index import boundary_aware
from scoring.intervals import bounds, design_bounds, interval_at_effective_n
from scoring.monitoring import BetaPrior, fit_beta_prior, funnel_limits
from scoring.scores import index_rule

STRUCTURE = SIPAS_SERVICE


def before(e, tail):
    fallback = np.where(e.index_var > 0, e.index_respondents, e.n)
    low, high, n_eff = interval_at_effective_n(
        e.index,
        e.index_var,
        fallback_n=fallback,
        variance_independent=e.index_var_binomial,
        method="wilson",
        confidence_level=1 - 2 * tail,
    )
    return low, high, n_eff


def after(e, tail):
    return design_bounds(
        e.index, e.index_smooth, e.index_var_smooth, e.index_respondents, tail=tail, floored=e.index_floored
    )


def first(e, tail):
    """The first calibrated interval: one whole pseudo respondent at every n, kurtosis 1.5."""
    smooth, var, floored = boundary_aware(e.index, np.fmax(e.index_var, e.index_var_binomial),
                                          e.index_respondents, scale=np.inf)
    return design_bounds(e.index, smooth, var, e.index_respondents, tail=tail, floored=floored, kurtosis=1.5)


def verdict_table(samples: int) -> None:
    print("## Index verdicts (one-sided 95%, target = the population's own index) and 95% coverage\n")
    print(
        f"{samples} samples per cell; Monte-Carlo standard error of a 5% rate "
        f"{100 * np.sqrt(0.05 * 0.95 / samples):.2f} points, of 95% coverage the same. "
        "Each cell: before / first / now (see the script's docstring).\n"
    )
    print("| rho | truth | n | met | not met | 95% coverage | zero-variance samples before / now |")
    print("|---|---|---|---|---|---|---|")
    for rho in (0.25, 0.5, 0.7):
        for truth in (0.85, 0.89, 0.90, 0.91, 0.95):
            population = make_population(truth, seed=1, rho=rho)
            target = population.index
            for n in (10, 15, 30, 50, 100, 400):
                e = estimate_arrays(
                    sample_moments(population, n=n, samples=samples, seed=n), structure=STRUCTURE
                )
                cells = []
                for kind in (before, first, after):
                    low, high, _ = kind(e, 0.05)
                    low2, high2, _ = kind(e, 0.025)
                    gate = e.n >= 30 if kind is before else e.index_respondents >= 30
                    cells.append(
                        (
                            np.mean((low >= target) & gate),
                            np.mean((high < target) & gate),
                            np.mean((low2 <= target) & (target <= high2)),
                        )
                    )
                zero_before = np.mean(~(e.index_var > 0))
                zero_after = np.mean(~(e.index_var_smooth > 0))
                met, not_met, cover = (" / ".join(f"{c[i]:.{2 if i < 2 else 1}%}" for c in cells)
                                       for i in range(3))
                print(
                    f"| {rho} | {truth:.2f} | {n} | {met} | {not_met} | {cover} "
                    f"| {zero_before:.1%} / {zero_after:.1%} |"
                )
    print()


def item_table() -> None:
    print("## Item intervals: exact minimum coverage over p in [0.5, 0.995] (95% two-sided)\n")
    p = np.linspace(0.5, 0.995, 1000)
    sizes = (30, 50, 100, 200, 400)
    print("| method | " + " | ".join(f"n={n}" for n in sizes) + " |")
    print("|---|" + "---|" * len(sizes))
    for method in ("wilson", "agresti-coull", "jeffreys", "clopper-pearson", "wilsoncc"):
        cells = [
            binomial_coverage(lambda x, m, method=method: bounds(x, m, method=method, tail=0.025), n, p).min()
            for n in sizes
        ]
        print(f"| {method} | " + " | ".join(f"{c:.1%}" for c in cells) + " |")
    print()


def many_units(screens: int) -> None:
    print("## A screen of 60 units all truly at 90% (n from 30 to 400), one-sided 95%\n")
    population = make_population(0.90, seed=3)
    target = population.index
    rng = np.random.default_rng(5)
    stats = {"none": [], "holm": [], "bh": []}
    bottom_small = {"raw": [], "shrunk": [], "z": []}
    inside = {"before": [], "after": []}
    for screen in range(screens):
        sizes = rng.integers(30, 401, size=60)
        estimates = []
        for j, n in enumerate(sizes):
            estimates.append(
                estimate_arrays(
                    sample_moments(population, n=int(n), samples=1, seed=screen * 100 + j),
                    structure=STRUCTURE,
                )
            )
        index = np.array([e.index[0] for e in estimates])
        arrays = {
            name: np.array([getattr(e, name)[0] for e in estimates])
            for name in (
                "index_smooth",
                "index_var_smooth",
                "index_respondents",
                "index_floored",
                "index_var",
                "index_var_binomial",
                "n",
            )
        }

        def bound(tail, arrays=arrays, index=index):
            low, high, _ = design_bounds(
                index,
                arrays["index_smooth"],
                arrays["index_var_smooth"],
                arrays["index_respondents"],
                tail=tail,
                floored=arrays["index_floored"],
            )
            return low, high

        n_eff = design_bounds(
            index,
            arrays["index_smooth"],
            arrays["index_var_smooth"],
            arrays["index_respondents"],
            tail=0.05,
            floored=arrays["index_floored"],
        )[2]
        for adjust in stats:
            judged = verdicts(
                index,
                arrays["index_respondents"],
                n_eff=n_eff,
                target=target,
                adjust=None if adjust == "none" else adjust,
                bound=bound,
            )
            stats[adjust].append((judged.status == "met").sum())
        small = sizes <= np.quantile(sizes, 1 / 3)
        shrunk = shrink_estimates(np.round(index * n_eff), np.round(n_eff))["shrunk"].to_numpy()
        bottom_small["raw"].append(small[np.argsort(index)[:5]].mean())
        bottom_small["shrunk"].append(small[np.argsort(shrunk)[:5]].mean())
        pooled = np.sum(index * n_eff) / np.sum(n_eff)
        bottom_small["z"].append(small[np.argsort((index - pooled) * np.sqrt(n_eff))[:5]].mean())
        # "not met" dots inside the funnel's inner limits
        old = verdicts(
            index, arrays["n"], n_eff=before(_Arrays(index, arrays), 0.05)[2], target=target, method="wilson"
        )
        old_neff = before(_Arrays(index, arrays), 0.05)[2]
        limits_old = funnel_limits(np.maximum(np.round(old_neff), 1), target=target, levels=(0.95,))
        limits_new = funnel_limits(np.maximum(np.round(n_eff), 1), target=target, levels=(0.9,))
        new = verdicts(
            index, arrays["index_respondents"], n_eff=n_eff, target=target, adjust="holm", bound=bound
        )
        inside["before"] += list(
            index[old.status == "not-met"] >= limits_old["lower_0.95"].to_numpy()[old.status == "not-met"]
        )
        inside["after"] += list(
            index[new.status == "not-met"] >= limits_new["lower_0.9"].to_numpy()[new.status == "not-met"]
        )
    print(f"{screens} screens.\n")
    print("| adjustment | screens with at least one 'met' | mean 'met' per screen |")
    print("|---|---|---|")
    for adjust, counts in stats.items():
        counts = np.array(counts)
        print(f"| {adjust} | {np.mean(counts > 0):.1%} | {counts.mean():.2f} |")
    print()
    print(
        "Bottom five of a ranking that are among the smallest third of units: "
        f"raw {np.mean(bottom_small['raw']):.0%}, shrunk {np.mean(bottom_small['shrunk']):.0%}, "
        f"by z-score {np.mean(bottom_small['z']):.0%} (a third is what a size-blind ranking gives).\n"
    )
    for key, values in inside.items():
        share = f"{np.mean(values):.0%} of {len(values)}" if values else "none"
        print(f"'not met' dots inside the funnel's inner limits, {key}: {share}.")
    print()


class _Arrays:
    """The fields `before` reads, for one screen of single-sample estimates."""

    def __init__(self, index, arrays):
        self.index = index
        self.index_var = arrays["index_var"]
        self.index_var_binomial = arrays["index_var_binomial"]
        self.index_respondents = arrays["index_respondents"]
        self.n = arrays["n"]


def old_more_needed(p, n, ratio, target, tail=0.05, power=0.8):
    """The figure used before: a normal-approximation sample size (Fleiss, Levin & Paik 2003)."""
    smooth = (p * n + 0.5) / (n + 1)
    root = (sps.norm.isf(tail) * np.sqrt(target * (1 - target))
            + sps.norm.isf(1 - power) * np.sqrt(smooth * (1 - smooth))) / abs(p - target)
    return max(int(np.ceil(root**2 / ratio - n)), 1)


def more_needed(samples: int) -> None:
    print("## 'About N more' (power 0.8), n = 100, target 90%, one-sided 95%\n")
    population = make_population(0.91, seed=4)
    target = 0.90
    e = estimate_arrays(sample_moments(population, n=100, samples=samples, seed=9), structure=STRUCTURE)
    low, high, n_eff = after(e, 0.05)
    judged = verdicts(e.index, e.index_respondents, n_eff=n_eff, target=target,
                      volume=np.full(samples, 10**5), bound=lambda tail: after(e, tail)[:2], rule=index_rule)
    open_ = np.flatnonzero(
        (judged.status == "inconclusive").to_numpy() & judged.more_needed.notna().to_numpy()
    )
    rng = np.random.default_rng(11)
    chosen = rng.choice(open_, size=min(200, len(open_)), replace=False)
    settled = {key: [] for key in ("claim", "claim old", "truth", "truth old")}
    figures, old_figures = [], []
    for i in chosen:
        n = e.index_respondents[i]
        k = int(judged.more_needed.iloc[i])
        old_k = old_more_needed(e.index[i], n, n_eff[i] / n, target)
        figures.append(k)
        old_figures.append(old_k)
        # the claim: if the truth were the current estimate, N more settle it with probability 80%
        at_estimate = make_population(e.index[i], seed=int(i))
        for key, source, size in (("claim", at_estimate, k), ("claim old", at_estimate, old_k),
                                  ("truth", population, k), ("truth old", population, old_k)):
            total = int(n + size)
            if total > 15_000:
                settled[key].append(False)
                continue
            f = estimate_arrays(sample_moments(source, n=total, samples=3, seed=int(i) * 7 + size),
                                structure=STRUCTURE)
            lo, hi, _ = after(f, 0.05)
            settled[key] += list((lo >= target) | (hi < target))
    print(
        f"{len(chosen)} inconclusive samples (3 further samples each); "
        f"median N now {np.median(figures):.0f}, "
        f"before {np.median(old_figures):.0f}; N not reachable at 10x the volume: "
        f"{np.mean(~judged.reachable.to_numpy()):.1%} of all samples.\n"
    )
    shares = {key: np.mean(values) for key, values in settled.items()}
    se = np.sqrt(0.8 * 0.2 / len(settled["claim"]))
    print("| N | settled when the truth is the estimate (the claim: 80%) | when the truth is 91% |")
    print("|---|---|---|")
    print(f"| now (the verdict's own rule) | {shares['claim']:.0%} | {shares['truth']:.0%} |")
    print(f"| before (normal approximation) | {shares['claim old']:.0%} | {shares['truth old']:.0%} |")
    print(f"\nMonte-Carlo standard error about {se:.1%}.\n")


def ranking(screens: int) -> None:
    print("## Ranking 60 units whose true indices differ (n from 30 to 400)\n")
    grid = np.round(np.arange(0.80, 0.975, 0.01), 2)
    populations = {g: make_population(g, seed=3) for g in grid}
    print("| spread of true indices (sd) | ranking by | small units in the bottom five (true bottom five) "
          "| true bottom five found | mean absolute error |")
    print("|---|---|---|---|---|")
    for spread in (0.0, 0.02, 0.04):
        rng = np.random.default_rng(6)
        rows = {"raw": [], "shrunk (fitted prior)": [], "shrunk (prior half as strong)": []}
        truth_small = []
        for screen in range(screens):
            sizes = rng.integers(30, 401, size=60)
            grid_truth = np.clip(np.round(rng.normal(0.88, spread, 60), 2), 0.80, 0.97)
            estimates = [
                estimate_arrays(sample_moments(populations[t], n=int(n), samples=1, seed=screen * 100 + j),
                                structure=STRUCTURE)
                for j, (n, t) in enumerate(zip(sizes, grid_truth, strict=True))
            ]
            index = np.array([e.index[0] for e in estimates])
            truth = np.array([populations[t].index for t in grid_truth]) + rng.normal(0, 1e-9, 60)
            n_eff = np.array([after(e, 0.025)[2][0] for e in estimates])
            x, n = np.round(index * np.round(n_eff)), np.maximum(np.round(n_eff), 1)
            prior = fit_beta_prior(x, n)
            small = sizes <= np.quantile(sizes, 1 / 3)
            worst = set(np.argsort(truth)[:5])
            truth_small.append(small[list(worst)].mean())
            half = BetaPrior(prior.mean, prior.strength / 2)
            for key, values in (("raw", index),
                                ("shrunk (fitted prior)", shrink_estimates(x, n)["shrunk"].to_numpy()),
                                ("shrunk (prior half as strong)",
                                 shrink_estimates(x, n, prior=half)["shrunk"].to_numpy())):
                bottom = np.argsort(values, kind="stable")[:5]
                rows[key].append((small[bottom].mean(), len(worst & set(bottom)) / 5,
                                  np.mean(np.abs(values - truth))))
        for key, values in rows.items():
            a = np.mean(values, axis=0)
            print(f"| {spread:.2f} | {key} | {a[0]:.0%} ({np.mean(truth_small):.0%}) | {a[1]:.0%} "
                  f"| {100 * a[2]:.2f} points |")
    print(f"\n{screens} screens per spread; sizes uniform from 30 to 400, independent of the truth.\n")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--samples", type=int, default=4000)
    parser.add_argument("--screens", type=int, default=200)
    args = parser.parse_args()
    print("# Calibration results\n")
    verdict_table(args.samples)
    item_table()
    many_units(args.screens)
    ranking(args.screens)
    more_needed(args.samples)


if __name__ == "__main__":
    main()
