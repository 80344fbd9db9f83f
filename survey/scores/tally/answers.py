"""Answering the pages' queries from the tally, or saying it cannot.

When it cannot, survey.scores.counts counts live.
"""

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from itertools import chain

import numpy as np
import pandas as pd
from scipy import sparse
from sqlalchemy import Connection

import scoring
from survey import instruments
from survey.periods import Period, local_today, month_end
from survey.scores import dossier_rules
from survey.scores.filters import Filters
from survey.scores.tally import cells
from survey.scores.tally.dossiers import DOSSIER_FACTS
from survey.scores.tally.layout import Block, Layout
from survey.scores.tally.store import Store, assembled, reading

#: Names the pages group by, and the tally columns they are.
NAMES = {"unit_id": "unit_id", "month": "month", "channel": "channel", "suspicious": "suspicious",
         "counter_id": "part_id", "service_id": "part_id"}


@dataclass(frozen=True)
class Sums:
    """Summed groups: keys (columns named as asked) and their int64 sums in `layout`."""

    keys: pd.DataFrame
    values: np.ndarray
    layout: Layout

    def moments(self, items: tuple[str, ...]) -> scoring.Moments:
        """Return the groups' moments (index named after the keys; items in the layout's order)."""
        if tuple(items) != self.layout.scored:
            raise ValueError(f"the tally holds items {self.layout.scored}, not {tuple(items)}")
        m, size = self.layout.m, len(self.keys)
        # One gather of the stored triangle into full matrices (ten times two scatters into zeros).
        triangle = self.values[:, self.layout.cross_at:].astype(float)
        cross = np.take(triangle, self.layout.symmetric, axis=1).reshape(size, m, m)
        columns = list(self.keys.columns)
        index: pd.Index
        if len(columns) > 1:
            index = pd.MultiIndex.from_frame(self.keys)
        elif columns:
            index = pd.Index(self.keys[columns[0]], name=columns[0])
        else:
            index = pd.Index(["all"] * size)
        totals = self.values[:, self.layout.totals_at:self.layout.cross_at].astype(float)
        return scoring.Moments(index, tuple(items), self.values[:, 0].astype(float), totals, cross)

    def counts(self, code: str) -> pd.DataFrame:
        """Return the count of each value of an item per group (columns: the values)."""
        at, options = self.layout.counts_at(code)
        return pd.DataFrame(self.values[:, at:at + len(options)], columns=list(options),
                            index=self.keys.index)

    @property
    def n(self) -> np.ndarray:
        return self.values[:, 0]


def month_aligned(period: Period) -> bool:
    """Tell whether a period is made of whole local months (the current one may be partial)."""
    whole_end = period.last == month_end(period.last.year, period.last.month) or period.last >= local_today()
    return period.first.day == 1 and whole_end


def grain_for(filters: Filters, by: Sequence[str]) -> str | None:
    """Return the coarsest grain that answers a query exactly, or None when only counting responses can.

    "unit" when the query names no counter, service or channel; a store whose unit groups are not
    derived yet reads "counter" instead (Store.grain).
    """
    if (filters.period is None or not month_aligned(filters.period)
            or filters.after_id or filters.upto_id is not None):
        return None
    counter = filters.channel or "channel" in by or filters.counter_id is not None or "counter_id" in by
    if filters.service_id is not None or "service_id" in by:
        return None if counter else "service"
    return "counter" if counter else "unit"


def sums(code: str, *, unit_ids: Sequence[int], filters: Filters, by: Sequence[str]) -> Sums | None:
    """Sum an instrument's groups of some units under the page filters, grouped by `by`.

    Reads only the stored groups of these units and the period's months, in the coarsest grain
    that answers (one group per unit and month when no counter, service or channel is asked).
    Returns None when the tally cannot answer (see grain_for). Versions of the instrument are
    pooled when they have the newest version's layout.
    """
    asked = Asked.of(code, unit_ids, filters, by)
    if asked is None:
        return None
    with reading() as (store, connection):
        grain, pooled = asked.grain_and_versions(store)
        found = groups(store, connection, grain, pooled, asked.unit_ids, filters, width=asked.layout.width)
        keys, totals = select_groups(found, unit_ids=asked.unit_ids, filters=filters, part=asked.part,
                                     by=list(by), width=asked.layout.width)
    return Sums(keys, totals, asked.layout)


@dataclass(frozen=True)
class Asked:
    """What a query of an instrument's groups reads: the grain that answers it, the layout, the
    units (the unit filter's alone, if any) and the counter or service filtered on."""

    code: str
    grain: str
    layout: Layout
    unit_ids: list[int]
    part: int | None

    @classmethod
    def of(cls, code: str, unit_ids: Sequence[int], filters: Filters, by: Sequence[str]) -> "Asked | None":
        """Return what to read, or None when the tally cannot answer (see grain_for)."""
        grain = grain_for(filters, by)
        if grain is None:
            return None
        return cls(code, grain, Layout.of(instruments.load(code)),
                   [filters.unit_id] if filters.unit_id is not None else list(unit_ids),
                   filters.counter_id if grain == "counter" else filters.service_id)

    def grain_and_versions(self, store: Store) -> tuple[str, list[int]]:
        """Return the grain the store holds for this query, and the instrument versions pooled
        (those with the newest version's layout)."""
        return (store.grain(self.grain),
                [i for i, version in store.versions.items() if version == (self.code, self.layout)])


def groups(store: Store, connection: Connection, grain: str, instrument_ids: list[int], unit_ids: list[int],
           filters: Filters, *, width: int, respondents: bool = False) -> Iterator[Block]:
    """Yield the waiting and the stored blocks of a grain for some units and the period's months
    (`width` sums a group, shared by these instrument versions; with `respondents`, each group's
    respondents alone)."""
    waiting = store.waiting(grain, instrument_ids)
    if respondents:
        waiting = (Block(block.keys, block.values[:, :1]) for block in waiting)
    return chain(waiting, cells.blocks(store.cells, connection, grain, instrument_ids, unit_ids,
                                       filters.period.months(), width=width, generation=store.generation,
                                       respondents=respondents, assembled=assembled()))


def respondents(code: str, *, unit_ids: Sequence[int], filters: Filters) -> int | None:
    """Count an instrument's respondents of some units under the page filters (None: see grain_for)."""
    found = respondent_groups(code, unit_ids=unit_ids, filters=filters, by=[])
    return None if found is None else int(found["n"].sum())


def respondent_groups(code: str, *, unit_ids: Sequence[int], filters: Filters,
                      by: Sequence[str]) -> pd.DataFrame | None:
    """Count an instrument's respondents of some units under the page filters per group `by`
    (names of NAMES but suspicious; channel reads the counter grain): columns `by` and n, groups
    without respondents possibly included; None when the tally cannot answer (see grain_for).

    Reads only the respondents of each stored group of these units and months, not their sums
    (kept in this process's cells, 4 bytes a group).
    """
    by = list(by)
    asked = Asked.of(code, unit_ids, filters, by)
    if asked is None:
        return None
    with reading() as (store, connection):
        grain, pooled = asked.grain_and_versions(store)
        found = groups(store, connection, grain, pooled, asked.unit_ids, filters, width=asked.layout.width,
                       respondents=True)
        keys, totals = select_groups(found, unit_ids=asked.unit_ids, filters=filters, part=asked.part, by=by,
                                     width=1)
    if not by:
        return pd.DataFrame({"n": [int(totals[:, 0].sum())]})
    return keys.assign(n=totals[:, 0])


def dossier_groups(unit_ids: Sequence[int], filters: Filters, by: Sequence[str]) -> pd.DataFrame | None:
    """Sum the dossier facts (dossier_rules.FACTS) of some units per group `by` (unit_id, month of
    reception, service_id): columns `by` and the facts; None for a period that is not whole local months.

    Reads the dossier grain once, whatever the groups.
    """
    if filters.period is None or not month_aligned(filters.period):
        return None
    unit_ids, by = list(unit_ids), list(by)
    with reading() as (store, connection):
        found = groups(store, connection, "dossier", [0], unit_ids, filters, width=len(DOSSIER_FACTS))
        keys, totals = select_groups(found, unit_ids=unit_ids,
                                     filters=filters.but(channel=None, include_flagged=True),
                                     part=filters.service_id, by=by, width=len(DOSSIER_FACTS))
    frame = pd.DataFrame(totals, columns=list(DOSSIER_FACTS))
    if not filters.include_flagged:
        frame["dissatisfied"], frame["bad"] = frame["dissatisfied_kept"], frame["bad_kept"]
    return pd.concat([keys.reset_index(drop=True), frame[list(dossier_rules.FACTS)]], axis=1)


def select_groups(blocks: Iterable[Block], *, unit_ids: list[int], filters: Filters, part: int | None,
                  by: list[str], width: int) -> tuple[pd.DataFrame, np.ndarray]:
    """Sum the groups of these blocks that meet the filters into groups `by`, a block at a time.

    Return (keys, int64 sums).
    """
    months, units = filters.period.months(), np.asarray(unit_ids, dtype=np.int64)
    partial = []
    for block in blocks:
        frame = block.keys
        keep = frame["unit_id"].isin(units).to_numpy() & frame["month"].isin(months).to_numpy()
        if filters.channel:
            keep &= (frame["channel"] == filters.channel).to_numpy()
        if not filters.include_flagged:
            keep &= ~frame["suspicious"].to_numpy(dtype=bool)
        if part is not None:
            keep &= (frame["part_id"] == part).to_numpy()
        rows = np.flatnonzero(keep)
        if len(rows):
            keys = pd.DataFrame({name: frame[NAMES[name]].to_numpy()[rows] for name in by},
                                index=range(len(rows)))
            partial.append(group(keys, block.values, rows, by))
    if not partial:
        return pd.DataFrame(columns=by), np.zeros((0, width), dtype=np.int64)
    if len(partial) == 1:
        return partial[0]
    keys = pd.concat([keys for keys, _ in partial], ignore_index=True)
    values = np.concatenate([values for _, values in partial])
    return group(keys, values, np.arange(len(keys)), by)


def group(keys: pd.DataFrame, values: np.ndarray, rows: np.ndarray,
          by: list[str]) -> tuple[pd.DataFrame, np.ndarray]:
    """Sum `values[rows]` (keyed by `keys`, one row each) into groups `by`; return (keys, int64 sums)."""
    codes, groups = group_codes(keys, by)
    # Each chosen row is added to its group by one sparse product: no copy of the rows.
    assign = sparse.csr_matrix((np.ones(len(rows), dtype=np.int64), (codes, rows)),
                               shape=(len(groups), len(values)))
    totals = np.asarray(assign @ values, dtype=np.int64)
    return groups, totals


def group_codes(keys: pd.DataFrame, by: list[str]) -> tuple[np.ndarray, pd.DataFrame]:
    """Number the groups `by` of some keys (none missing) in sorted order, as a sorted groupby does.

    Return (each row's group, the groups' keys). Column by column: each column's sorted codes are
    combined with the groups so far and renumbered, so a number never exceeds the row count times
    a column's distinct values (a fifth of pandas' groupby time on a block of tally keys).
    """
    codes = np.zeros(len(keys), dtype=np.int64)
    columns: list[tuple[str, pd.Index | np.ndarray, np.ndarray]] = []
    for name in by:
        column_codes, levels = pd.factorize(keys[name], sort=True)
        combined = codes * len(levels) + column_codes
        uniques, codes = np.unique(combined, return_inverse=True)
        columns.append((name, levels, uniques))
    size = len(columns[-1][2]) if columns else 1
    # Back from the last numbering to each column's values: a group's number at step k is its
    # number at step k-1 times that column's levels, plus its level.
    values: dict[str, object] = {}
    at = np.arange(size)
    for name, levels, uniques in reversed(columns):
        combined = uniques[at]
        values[name] = np.asarray(levels)[combined % len(levels)]
        at = combined // len(levels)
    groups = pd.DataFrame({name: values[name] for name in by}) if by else pd.DataFrame(index=range(1))
    return codes, groups
