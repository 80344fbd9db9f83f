"""Calibration of verdicts and intervals: error rates before and after, by simulation.

    PYTHONPATH=. python benchmarks/calibration/run.py [--samples 4000] > benchmarks/calibration/results.md

Populations come from `scoring.calibration` (20,000 respondents, correlated items, "no opinion"
common on D and E and likelier among the dissatisfied, 3% answering only OVERALL); `rho` is the
share of an item's latent variance shared by the respondent's items. "before" is the construction
this project used until the calibration (Wilson at n_eff = I(1 − I)/se², se² floored at the
independent-answer variance, n_eff = the respondents when se = 0, gate on every respondent, items
Wilson); "after" is the current one (`scoring.intervals.design_bounds`).
"""

from __future__ import annotations

import argparse

import numpy as np

from scoring import SIPAS_SERVICE, estimate_arrays, shrink_estimates, verdicts
from scoring.calibration import binomial_coverage, make_population, sample_moments
from scoring.intervals import bounds, design_bounds, interval_at_effective_n
from scoring.monitoring import funnel_limits

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


def verdict_table(samples: int) -> None:
    print("## Index verdicts (one-sided 95%, target = the population's own index) and 95% coverage\n")
    print(
        f"{samples} samples per cell; Monte-Carlo standard error of a 5% rate "
        f"{100 * np.sqrt(0.05 * 0.95 / samples):.2f} points, of 95% coverage the same.\n"
    )
    print(
        "| rho | truth | n | met before | met after | not-met before | not-met after "
        "| coverage before | coverage after | zero-variance samples before | after |"
    )
    print("|---|---|---|---|---|---|---|---|---|---|---|")
    for rho in (0.25, 0.5, 0.7):
        for truth in (0.85, 0.89, 0.90, 0.91, 0.95):
            population = make_population(truth, seed=1, rho=rho)
            target = population.index
            for n in (10, 15, 30, 100, 400):
                e = estimate_arrays(
                    sample_moments(population, n=n, samples=samples, seed=n), structure=STRUCTURE
                )
                cells = []
                for kind in (before, after):
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
                (mb, nb, cb), (ma, na, ca) = cells
                print(
                    f"| {rho} | {truth:.2f} | {n} | {mb:.2%} | {ma:.2%} | {nb:.2%} | {na:.2%} "
                    f"| {cb:.1%} | {ca:.1%} | {zero_before:.1%} | {zero_after:.1%} |"
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
    bottom_small = {"raw": [], "shrunk": []}
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
        f"raw {np.mean(bottom_small['raw']):.0%}, "
        f"shrunk {np.mean(bottom_small['shrunk']):.0%} (a third is what chance alone gives).\n"
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


def more_needed(samples: int) -> None:
    print("## 'About N more' when the truth is 91% (target 90%), n = 100, one-sided 95%\n")
    population = make_population(0.91, seed=4)
    target = 0.90
    e = estimate_arrays(sample_moments(population, n=100, samples=samples, seed=9), structure=STRUCTURE)
    low, high, n_eff = after(e, 0.05)
    judged = verdicts(
        e.index,
        e.index_respondents,
        n_eff=n_eff,
        target=target,
        volume=np.full(samples, 10**5),
        bound=lambda tail: after(e, tail)[:2],
    )
    open_ = np.flatnonzero(
        (judged.status == "inconclusive").to_numpy() & judged.more_needed.notna().to_numpy()
    )
    rng = np.random.default_rng(11)
    chosen = rng.choice(open_, size=min(100, len(open_)), replace=False)
    settled_new, settled_old, settled_claim, figures = [], [], [], []
    for i in chosen:
        ratio = n_eff[i] / e.index_respondents[i]
        p = e.index[i]
        old_k = max(int(np.ceil(1.6449**2 * p * (1 - p) / (p - target) ** 2 / ratio - 100)), 1)
        k = int(judged.more_needed.iloc[i])
        figures.append(k)
        # the claim: if the truth were the current estimate, N more settle it with probability 80%
        for source, size, out in (
            (population, k, settled_new),
            (population, old_k, settled_old),
            (make_population(p, seed=int(i)), k, settled_claim),
        ):
            total = 100 + size
            if total > 15_000:
                out.append(False)
                continue
            f = estimate_arrays(
                sample_moments(source, n=total, samples=1, seed=int(i) * 7 + size), structure=STRUCTURE
            )
            lo, hi, _ = after(f, 0.05)
            out.append(bool(lo[0] >= target or hi[0] < target))
    print(
        f"{len(chosen)} inconclusive samples; median N: {np.median(figures):.0f}; "
        f"N not reachable at 10x the volume: {np.mean(~judged.reachable.to_numpy()):.1%} of all samples.\n"
    )
    print(
        f"Settled after the stated N more when the truth is the estimate (the claim, 80%): "
        f"{np.mean(settled_claim):.0%}; when the truth is 91%: {np.mean(settled_new):.0%}; "
        f"after the old break-even N when the truth is 91%: {np.mean(settled_old):.0%}.\n"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--samples", type=int, default=4000)
    parser.add_argument("--screens", type=int, default=200)
    args = parser.parse_args()
    print("# Calibration results\n")
    verdict_table(args.samples)
    item_table()
    many_units(args.screens)
    more_needed(args.samples)


if __name__ == "__main__":
    main()
