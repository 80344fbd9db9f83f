"""Additive per-group statistics for the index: counts, sums and cross-products.

For respondent i and the m scored items, x_i = (s_i1..s_im, a_i1..a_im), where a_ij = 1
when the item was answered (levels 1-5, not "no opinion") and s_ij = 1 when the answer is
a satisfied level. A group is summarised by n, T = Σ x_i and M = Σ x_i x_iᵀ. These add, so
units roll up to parents and months to quarters by addition, and the application's SQL
only has to count respondents per (answered_mask, satisfied_mask) pattern.
"""

from __future__ import annotations

from collections.abc import Hashable, Sequence
from dataclasses import dataclass
from typing import TypeAlias, cast

import numpy as np
import pandas as pd
from scipy import sparse

from ._checks import echo
from .instrument import Structure

__all__ = ["Moments", "moments_from_patterns", "patterns_from_responses"]

#: What `by` may be in :meth:`Moments.regroup`: index level names, or one label per group.
GroupLabels: TypeAlias = Sequence[Hashable] | np.ndarray | pd.Series | pd.Index


@dataclass(frozen=True, eq=False)
class Moments:
    """Additive statistics for G groups over the m items of one structure.

    Attributes
    ----------
    index : pandas.Index
        Group keys (a MultiIndex named after the grouping columns when there are several).
    items : tuple of str
        Item codes in bit order.
    n : ndarray, shape (G,)
        Respondents.
    totals : ndarray, shape (G, 2m)
        T = Σ x_i: satisfied counts S_1..S_m, then answered counts A_1..A_m.
    cross : ndarray, shape (G, 2m, 2m)
        M = Σ x_i x_iᵀ.
    answering : ndarray, shape (G,), optional
        Respondents who answered at least one index item (the minimum-n gate counts these).
        None when the source does not know it (pairwise moments cannot tell it).
    """

    index: pd.Index
    items: tuple[str, ...]
    n: np.ndarray
    totals: np.ndarray
    cross: np.ndarray
    answering: np.ndarray | None = None

    def __len__(self) -> int:
        return len(self.index)

    @property
    def satisfied(self) -> pd.DataFrame:
        """S_j per group and item."""
        return pd.DataFrame(self.totals[:, : len(self.items)], index=self.index, columns=list(self.items))

    @property
    def answered(self) -> pd.DataFrame:
        """A_j per group and item."""
        return pd.DataFrame(self.totals[:, len(self.items) :], index=self.index, columns=list(self.items))

    def __add__(self, other: Moments) -> Moments:
        """Add group by group; a group missing on one side counts as zero there."""
        if not isinstance(other, Moments):
            return NotImplemented
        if other.items != self.items:
            raise ValueError(f"cannot add moments over different items: {self.items} and {other.items}")
        if list(self.index.names) != list(other.index.names):
            raise ValueError(f"cannot add moments grouped by {self.index.names} and {other.index.names}")
        return _sum_by_labels(self._stack(other), self.items, self.index.append(other.index))

    def _stack(self, other: Moments) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray | None]:
        known = self.answering is not None and other.answering is not None
        return (
            np.concatenate([self.n, other.n]),
            np.concatenate([self.totals, other.totals]),
            np.concatenate([self.cross, other.cross]),
            np.concatenate([self.answering, other.answering]) if known else None,
        )

    def take(self, rows: np.ndarray, index: pd.Index | None = None) -> Moments:
        """The groups at positions `rows` (repeats allowed), relabelled by `index` when given."""
        rows = np.asarray(rows, dtype=int)
        return Moments(self.index[rows] if index is None else index, self.items, self.n[rows],
                       self.totals[rows], self.cross[rows],
                       None if self.answering is None else self.answering[rows])

    def regroup(self, by: GroupLabels) -> Moments:
        """Sum groups into coarser ones.

        `by` is a list of index level names to keep (``[]`` for one grand total), or an
        array/Series of new labels aligned with the groups (e.g. each unit's parent).

        Examples
        --------
        >>> import pandas as pd
        >>> from scoring.instrument import Item, Structure
        >>> s = Structure(items=(Item("Q1", "A"),))
        >>> h = pd.DataFrame({"unit": ["u1", "u2"], "answered_mask": [1, 1],
        ...                   "satisfied_mask": [1, 0], "n": [3, 2]})
        >>> moments_from_patterns(h, by=["unit"], structure=s).regroup([]).n
        array([5.])
        """
        arrays = (self.n, self.totals, self.cross, self.answering)
        return _sum_by_labels(arrays, self.items, self.parent_labels(by))

    def parent_labels(self, by: GroupLabels) -> pd.Index:
        """The label of each group's parent under `by` (see :meth:`regroup`)."""
        if isinstance(by, list | tuple) and all(isinstance(b, str) for b in by):
            if not by:
                return pd.Index(["all"] * len(self))
            frame = self.index.to_frame(index=False)[list(by)]
            return pd.MultiIndex.from_frame(frame) if len(by) > 1 else pd.Index(frame[by[0]], name=by[0])
        labels = pd.Index(by.values if isinstance(by, pd.Series) else by)
        if len(labels) != len(self):
            raise ValueError(f"by must give one label per group ({len(self)}); got {len(labels)}")
        return labels


def _sum_by_labels(
    arrays: tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray | None], items: tuple[str, ...],
    labels: pd.Index,
) -> Moments:
    n, totals, cross, answering = arrays
    codes, uniques = labels.factorize()
    # An Index factorizes to an Index of uniques (the stubs also allow an array or Categorical).
    uniques = cast(pd.Index, uniques).set_names(labels.names)
    size = len(uniques)
    out_a = None if answering is None else group_sum(answering, codes, size)
    return Moments(uniques, items, group_sum(n, codes, size), group_sum(totals, codes, size),
                   group_sum(cross, codes, size), out_a)


def group_sum(values: np.ndarray, codes: np.ndarray, size: int) -> np.ndarray:
    """Sum the rows of `values` (any trailing shape) into `size` groups numbered by `codes`, as floats.

    np.add.at does the same one element at a time: for (groups, 34, 34) moments it was the
    slowest step of rolling up a nation's units. Rows go through one sparse product instead
    (a single column through np.bincount).
    """
    values = np.asarray(values, dtype=float)
    codes = np.asarray(codes, dtype=np.int64)
    if values.ndim == 1:
        return np.bincount(codes, weights=values, minlength=size).astype(float)
    rows = len(values)
    assign = sparse.csr_matrix((np.ones(rows), (codes, np.arange(rows))), shape=(size, rows))
    return np.asarray(assign @ values.reshape(rows, -1)).reshape((size,) + values.shape[1:])


def moments_from_patterns(patterns: pd.DataFrame, *, by: Sequence[str] = (), structure: Structure) -> Moments:
    """Per-group additive moments from a pattern histogram.

    Parameters
    ----------
    patterns : pandas.DataFrame
        The grouping columns plus integer ``answered_mask``, ``satisfied_mask`` and ``n``
        (respondents with exactly that pattern). Bit j (value ``1 << j``) refers to the
        j-th item of `structure`; ``satisfied_mask`` must be a subset of ``answered_mask``.
    by : sequence of str
        Grouping columns; empty for one unnamed group labelled ``"all"``.
    structure : Structure
        Gives the item order (bits).

    Returns
    -------
    Moments
        One group per distinct key, computed from distinct patterns weighted by n.

    Examples
    --------
    >>> import pandas as pd
    >>> from scoring.instrument import Item, Structure
    >>> s = Structure(items=(Item("Q1", "A"), Item("Q2", "A")))
    >>> h = pd.DataFrame({"answered_mask": [3, 1], "satisfied_mask": [1, 0], "n": [4, 2]})
    >>> m = moments_from_patterns(h, structure=s)
    >>> m.n, m.satisfied.to_numpy(), m.answered.to_numpy()
    (array([6.]), array([[4., 0.]]), array([[6., 4.]]))
    """
    by = list(by)
    m = len(structure.items)
    _check_patterns(patterns, by, m)
    if by:
        keys = patterns[by]
        labels = pd.MultiIndex.from_frame(keys) if len(by) > 1 else pd.Index(keys[by[0]], name=by[0])
        codes, uniques = labels.factorize()
        uniques = cast(pd.Index, uniques).set_names(by)
    else:
        codes, uniques = np.zeros(len(patterns), dtype=int), pd.Index(["all"])
    weights = patterns["n"].to_numpy(dtype=float)
    size = len(uniques)
    n = np.bincount(codes, weights=weights, minlength=size).astype(float)
    index_bits = sum(1 << j for j, item in enumerate(structure.items) if item.factor is not None)
    some_index_item = (patterns["answered_mask"].to_numpy(dtype=np.int64) & index_bits) != 0
    answering = np.bincount(codes, weights=weights * some_index_item, minlength=size).astype(float)
    # Sort the patterns by group once; each group is then a contiguous run of rows.
    order = np.argsort(codes, kind="stable")
    satisfied = patterns["satisfied_mask"].to_numpy(dtype=np.int64)[order]
    answered = patterns["answered_mask"].to_numpy(dtype=np.int64)[order]
    weights = weights[order]
    starts = np.searchsorted(codes[order], np.arange(size + 1))
    totals = np.zeros((size, 2 * m))
    cross = np.zeros((size, 2 * m, 2 * m))
    # Indicator rows are built a block of whole groups at a time, so memory stays flat
    # however many patterns there are.
    first_group = 0
    while first_group < size:
        block_end = int(np.searchsorted(starts, starts[first_group] + _BLOCK_ROWS, "right"))
        end_group = max(first_group + 1, block_end - 1)
        end_group = min(end_group, size)
        lo, hi = starts[first_group], starts[end_group]
        x = np.hstack([_indicators(satisfied[lo:hi], m), _indicators(answered[lo:hi], m)])
        weighted = x * weights[lo:hi, None]
        for g in range(first_group, end_group):
            first, last = starts[g] - lo, starts[g + 1] - lo
            totals[g] = weighted[first:last].sum(axis=0)
            cross[g] = x[first:last].T @ weighted[first:last]
        first_group = end_group
    return Moments(uniques, structure.codes, n, totals, cross, answering)


#: Pattern rows turned into indicator columns at a time (about 54 MB of float64 for 17 items).
_BLOCK_ROWS = 200_000
#: Bit values of every byte, as floats: the indicator columns of eight items at a time.
_BYTE_BITS = ((np.arange(256)[:, None] >> np.arange(8)) & 1).astype(float)


def _indicators(masks: np.ndarray, m: int) -> np.ndarray:
    """Return the 0/1 indicator matrix (rows × m) of bit masks, by byte look-ups."""
    chunks = [_BYTE_BITS[(masks >> (8 * k)) & 255] for k in range((m + 7) // 8)]
    return np.hstack(chunks)[:, :m]


def _check_patterns(patterns: pd.DataFrame, by: list[str], m: int) -> None:
    missing = [c for c in [*by, "answered_mask", "satisfied_mask", "n"] if c not in patterns.columns]
    if missing:
        raise ValueError(f"pattern histogram lacks column {missing[0]!r}; has {list(patterns.columns)}")
    for column in ("answered_mask", "satisfied_mask", "n"):
        values = pd.to_numeric(patterns[column], errors="coerce").to_numpy(dtype=float)
        bad = ~np.isfinite(values) | (values < 0) | (values != np.floor(values))
        if column != "n":
            bad |= values >= 2**m
        if bad.any():
            first_bad = patterns[column].to_numpy()[bad][0]
            raise ValueError(f"{column} must be whole numbers in range; got {echo(first_bad)}")
    answered = patterns["answered_mask"].to_numpy(dtype=np.int64)
    satisfied = patterns["satisfied_mask"].to_numpy(dtype=np.int64)
    outside = (satisfied & ~answered) != 0
    if outside.any():
        i = np.flatnonzero(outside)[0]
        raise ValueError(f"satisfied_mask must be a subset of answered_mask; "
                         f"got {satisfied[i]} with {answered[i]}")


def patterns_from_responses(
    responses: pd.DataFrame, *, by: Sequence[str] = (), structure: Structure
) -> pd.DataFrame:
    """Pattern histogram from respondent-level answers (one column per item code).

    Values are levels of the structure's scale, or NaN/None for "no opinion". Item columns
    that are absent count as unanswered. Returns the grouping columns plus
    ``answered_mask``, ``satisfied_mask`` and ``n``.

    Examples
    --------
    >>> import pandas as pd
    >>> from scoring.instrument import Item, Structure
    >>> s = Structure(items=(Item("Q1", "A"), Item("Q2", "A")))
    >>> patterns_from_responses(pd.DataFrame({"Q1": [5, 5, 2], "Q2": [None, None, 4]}), structure=s)
       answered_mask  satisfied_mask  n
    0              1               1  2
    1              3               2  1
    """
    by = list(by)
    answered = np.zeros(len(responses), dtype=np.int64)
    satisfied = np.zeros(len(responses), dtype=np.int64)
    for j, code in enumerate(structure.codes):
        if code not in responses.columns:
            continue
        values = pd.to_numeric(responses[code], errors="coerce").to_numpy(dtype=float)
        given = ~np.isnan(values)
        bad = given & ~np.isin(values, structure.levels)
        if bad.any() or (responses[code].notna().to_numpy() & ~given).any():
            raw = responses[code].to_numpy()[bad | (responses[code].notna().to_numpy() & ~given)][0]
            raise ValueError(f"item {code!r} values must be in {structure.levels} or missing; "
                             f"got {echo(raw)}")
        answered |= given.astype(np.int64) << j
        satisfied |= np.isin(values, sorted(structure.satisfied_levels)).astype(np.int64) << j
    frame = responses[by].copy() if by else pd.DataFrame(index=responses.index)
    frame["answered_mask"] = answered
    frame["satisfied_mask"] = satisfied
    keys = [*by, "answered_mask", "satisfied_mask"]
    return frame.groupby(keys, sort=True, dropna=False).size().rename("n").reset_index()
