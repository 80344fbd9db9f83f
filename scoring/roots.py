"""Where a monotone margin crosses zero, for many elements at once: bisection ended by interpolation.

The verdicts' searches ("about N more", p-values by inverting an interval) evaluate a bound
function of whole arrays; numpy's cost is per call, so each search halves a bracket a fixed
number of times and then interpolates the margin linearly between its two ends.
"""

import math
from collections.abc import Callable

import numpy as np


def crossing(margin: Callable[[np.ndarray], np.ndarray], start: np.ndarray, end: np.ndarray, *,
             steps: int) -> np.ndarray:
    """The point between `start` (margin < 0) and `end` where a monotone `margin` reaches 0.

    NaN where even `end` has a negative margin. `steps` halvings, then linear interpolation
    of the margin between the two sides left.
    """
    at_start, at_end = margin(start), margin(end)
    lo, hi = np.broadcast_arrays(start, end)
    lo, hi, at_lo, at_hi = halve(margin, lo.astype(float), hi.astype(float), at_start, at_end, steps)
    return np.where(at_end < 0, np.nan, interpolate(lo, hi, at_lo, at_hi))


def narrow(margin: Callable[[np.ndarray], np.ndarray], lo: np.ndarray, hi: np.ndarray, at_lo: np.ndarray,
           at_hi: np.ndarray, *, width: float) -> np.ndarray:
    """Halve [lo, hi] (margin < 0 at lo, >= 0 at hi) until every span is under `width`, then interpolate.

    Where the margin at lo is unknown (NaN) and lo never moved, hi is returned as it is.
    """
    spans = float(np.nanmax(hi - lo, initial=0.0))
    steps = max(0, math.ceil(math.log2(spans / width))) if spans > width else 0
    lo, hi, at_lo, at_hi = halve(margin, lo, hi, at_lo, at_hi, steps)
    return np.where(np.isnan(at_lo), hi, interpolate(lo, hi, at_lo, at_hi))


def halve(margin: Callable[[np.ndarray], np.ndarray], lo: np.ndarray, hi: np.ndarray, at_lo: np.ndarray,
          at_hi: np.ndarray, steps: int) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Bisect each [lo, hi] `steps` times on the sign of `margin`, keeping the margins at both ends."""
    for _ in range(steps):
        mid = (lo + hi) / 2
        at_mid = margin(mid)
        done = at_mid >= 0
        hi, at_hi = np.where(done, mid, hi), np.where(done, at_mid, at_hi)
        lo, at_lo = np.where(done, lo, mid), np.where(done, at_lo, at_mid)
    return lo, hi, at_lo, at_hi


def interpolate(lo: np.ndarray, hi: np.ndarray, at_lo: np.ndarray, at_hi: np.ndarray) -> np.ndarray:
    """Where the line through (lo, at_lo) and (hi, at_hi) crosses 0 (hi where it cannot tell)."""
    with np.errstate(invalid="ignore", divide="ignore"):
        share = np.clip(-at_lo / (at_hi - at_lo), 0.0, 1.0)
    return np.where(np.isfinite(share), lo + share * (hi - lo), hi)
