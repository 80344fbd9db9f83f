"""Argument checks shared by the scoring modules; each message echoes the bad value."""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike

METHODS = ("wilson", "wilsoncc", "clopper-pearson", "jeffreys", "agresti-coull")
SIDES = ("one-sided", "two-sided")


def echo(value: object) -> str:
    """``repr`` of a value as the user wrote it (numpy scalars shown as plain numbers)."""
    return repr(value.item() if isinstance(value, np.generic) else value)


def check_confidence_level(confidence_level: float) -> float:
    """Return `confidence_level` as a float strictly between 0 and 1."""
    try:
        level = float(confidence_level)
    except (TypeError, ValueError):
        raise ValueError(f"confidence_level must be a number in (0, 1); got {confidence_level!r}") from None
    if not 0 < level < 1:
        raise ValueError(f"confidence_level must be in (0, 1); got {confidence_level!r}")
    return level


def check_choice(name: str, value: str, choices: tuple[str, ...]) -> str:
    """Return `value` if it is one of `choices`."""
    if value not in choices:
        raise ValueError(f"{name} must be one of {', '.join(repr(c) for c in choices)}; got {value!r}")
    return value


def check_fraction(name: str, value: float) -> float:
    """Return `value` as a float in [0, 1]."""
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise ValueError(f"{name} must be a number in [0, 1]; got {value!r}") from None
    if not 0 <= number <= 1:
        raise ValueError(f"{name} must be in [0, 1]; got {value!r}")
    return number


def check_counts(x: ArrayLike, n: ArrayLike) -> tuple[np.ndarray, np.ndarray]:
    """Return `x` and `n` as float arrays of whole numbers with 0 <= x <= n."""
    xa = np.asarray(x, dtype=float)
    na = np.asarray(n, dtype=float)
    for name, arr in (("x", xa), ("n", na)):
        bad = ~np.isfinite(arr) | (arr < 0) | (arr != np.floor(arr))
        if bad.any():
            raise ValueError(f"{name} must be whole numbers >= 0; got {float(arr[bad].flat[0]):g}")
    xa, na = np.broadcast_arrays(xa, na)
    over = xa > na
    if over.any():
        i = np.flatnonzero(over.ravel())[0]
        raise ValueError(f"x must not exceed n; got x={xa.flat[i]:g} with n={na.flat[i]:g}")
    return xa, na
