"""Where each sum sits: the layout of a group's vector, blocks of groups, and the stored encoding."""

from dataclasses import dataclass

import numpy as np
import pandas as pd

from survey import instruments
from survey.core.responses import allowed_values

#: Group columns of both grains; `part_id` is the counter or the service (0: none).
KEYS = ("unit_id", "part_id", "month", "channel", "suspicious")

GRAINS = {"counter": "counter_id", "service": "service_id"}
_INT32 = np.iinfo(np.int32).max


@dataclass(frozen=True)
class Layout:
    """Where each sum sits in a group's vector, for one instrument version.

    [0] respondents; then, for every item that is not multi-choice, the count of each of its
    values; then, for every multi-choice item, how many responses ticked each of its options and
    how many ticked any; then, when the instrument has rated items, the moments' totals (2m) and
    the upper triangle of their cross-products (row by row).

    Stored rows carry no layout: a change of layout (of this class or of an instrument version)
    needs its stored groups counted again: `flask tally --rebuild`, or a migration that drops the
    groups of the changed versions and queues their responses (as revision f3c5a8e1b2d4 does).
    """

    counted: tuple[tuple[str, int, tuple[int, ...]], ...]
    scored: tuple[str, ...]
    #: Multi-choice items: (code, slot, option values); an option v is bit v-1 of the stored mask.
    ticked: tuple[tuple[str, int, tuple[int, ...]], ...] = ()

    @classmethod
    def of(cls, instrument: instruments.Instrument) -> "Layout":
        counted = tuple((item.code, item.slot, tuple(sorted(allowed_values(instrument, item))))
                        for item in instrument.items if item.kind != "multi")
        ticked = tuple((item.code, item.slot, tuple(sorted(option.value for option in item.options)))
                       for item in instrument.items if item.kind == "multi")
        return cls(counted, tuple(item.code for item in instrument.scored_items), ticked)

    @property
    def m(self) -> int:
        return 2 * len(self.scored)

    @property
    def ticked_at(self) -> int:
        return 1 + sum(len(values) for _, _, values in self.counted)

    @property
    def totals_at(self) -> int:
        return self.ticked_at + sum(len(options) + 1 for _, _, options in self.ticked)

    @property
    def cross_at(self) -> int:
        return self.totals_at + self.m

    @property
    def width(self) -> int:
        return self.cross_at + self.m * (self.m + 1) // 2 if self.scored else self.totals_at

    @property
    def symmetric(self) -> np.ndarray:
        """Return, for each cell of the m × m cross-products (row by row), its column in the upper
        triangle the vector stores: `cross[:, symmetric]` reshaped (groups, m, m) is the full matrix."""
        m = self.m
        at = np.empty((m, m), dtype=np.intp)
        upper = np.triu_indices(m)
        at[upper] = at[upper[1], upper[0]] = np.arange(len(upper[0]))
        return at.ravel()

    def counts_at(self, code: str) -> tuple[int, tuple[int, ...]]:
        """Return (first column, values) of an item's value counts."""
        at = 1
        for item, _, values in self.counted:
            if item == code:
                return at, values
            at += len(values)
        raise KeyError(f"item {code!r} has no value counts in this layout")

    def options_at(self, code: str) -> tuple[int, tuple[int, ...]]:
        """Return (first column, options) of a multi-choice item's option counts.

        The column after the options counts the responses that ticked any.
        """
        at = self.ticked_at
        for item, _, options in self.ticked:
            if item == code:
                return at, options
            at += len(options) + 1
        raise KeyError(f"item {code!r} has no option counts in this layout")


@dataclass(frozen=True)
class Block:
    """Groups of one grain and instrument version: keys (KEYS columns) and their sums.

    The sums are int32 (stored rows, widened), or int64.
    """

    keys: pd.DataFrame
    values: np.ndarray
    #: Tally row ids of stored groups (None for the sums of pending responses).
    ids: np.ndarray | None = None


#: How a row's sums are stored, by bytes per sum: a row takes the narrowest type that holds its
#: largest sum, and its length over the layout's width tells which (rows written before narrow
#: rows existed are int32, read as they are).
STORED: dict[int, np.dtype] = {1: np.dtype("<u1"), 2: np.dtype("<u2"), 4: np.dtype("<i4")}


def encode(vector: np.ndarray) -> bytes:
    """Return sums as little-endian bytes, one, two or four a sum: the fewest that hold the largest.

    Every sum counts responses (values, ticks, answered and satisfied items and their products), so a
    group of up to 255 responses takes a quarter of int32's room and one of up to 65,535 half; a
    group past 2³¹ is refused, not wrapped.
    """
    top = int(vector.max()) if vector.size else 0
    if top > _INT32 or (vector.size and vector.min() < 0):
        raise OverflowError("a tally group's sums left the int32 range")
    return np.asarray(vector, dtype=STORED[1 if top <= 0xFF else 2 if top <= 0xFFFF else 4]).tobytes()


def stored(data: bytes, width: int) -> np.ndarray:
    """Return a stored row of `width` sums as stored (a read-only uint8, uint16 or int32 view)."""
    dtype = STORED.get(len(data) // width) if width else None
    if dtype is None or dtype.itemsize * width != len(data):
        raise ValueError(f"a stored row of {len(data)} bytes does not hold {width} sums")
    return np.frombuffer(data, dtype=dtype)


def decode(data: bytes, width: int) -> np.ndarray:
    """Return a stored row of `width` sums as int64."""
    return stored(data, width).astype(np.int64)
