"""Stored groups read per scope, cached by bytes: one cell per grain, instrument version, block of
unit ids and month.

A page reads from the database only the groups of the units and months it asks for (the index on
tally (grain, unit_id, month) finds them) and keeps them in this process's `Cells`, a
least-recently-used cache bounded by bytes (TALLY_CACHE_MB). A cell holds, column by column, the
groups of the units of one block of ids (`BLOCK` consecutive ids) that pages have asked for, and
which units those are (a unit without groups is known too): a page of one commune reads and
keeps that commune alone, and the nation's pages keep about fifteen cells per grain, version and
month instead of one object per unit and month. The cache knows the fold generation it agrees
with; `Cells.sync` drops from their cells the units a later fold changed, so a page never adds
stale sums. A scope too large for the cache is streamed a block of units at a time and summed as
it goes: memory stays bounded by the cache and one block, not by the country.

A cell may also hold only its groups' respondents (the first sum, under the grain's
`respondents_of` key), for the sections that count ratings and nothing else.
"""

import sys
import threading
from collections import OrderedDict
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from sqlalchemy import Connection, func, select

from survey.models import Tally
from survey.scores.tally.layout import KEYS, Block, stored

#: (grain, instrument version, block of unit ids (unit id // BLOCK), local month "YYYY-MM").
CellKey = tuple[str, int, int, str]

#: Unit ids per cell (and at most per query: a literal id list both planners look up in the index).
BLOCK = 256

#: Bytes a cell costs beside its arrays (the Python objects holding them), and a known unit.
OVERHEAD = 1000
PER_UNIT = 64


def respondents_of(grain: str) -> str:
    """Return the cache key's grain for cells holding only the respondents of a grain's groups."""
    return f"{grain}:n"


@dataclass(frozen=True)
class Rows:
    """Stored groups, column by column: unit, part, channel, flag and the sums as stored (uint8,
    uint16 or int32: layout.encode), one row per group."""

    unit_id: np.ndarray
    part_id: np.ndarray
    channel: np.ndarray
    suspicious: np.ndarray
    values: np.ndarray

    def __len__(self) -> int:
        return len(self.unit_id)

    @property
    def nbytes(self) -> int:
        return sum(a.nbytes for a in (self.unit_id, self.part_id, self.channel, self.suspicious, self.values))

    def where(self, mask: np.ndarray) -> "Rows":
        return Rows(self.unit_id[mask], self.part_id[mask], self.channel[mask], self.suspicious[mask],
                    self.values[mask])

    @staticmethod
    def joined(parts: Sequence["Rows"], width: int) -> "Rows":
        parts = [part for part in parts if len(part)] or [no_rows(width)]
        if len(parts) == 1:
            return parts[0]
        return Rows(*(np.concatenate([getattr(part, name) for part in parts])
                      for name in ("unit_id", "part_id", "channel", "suspicious", "values")))


def no_rows(width: int) -> Rows:
    """Return no groups of `width` sums."""
    return Rows(np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64), np.zeros(0, dtype=object),
                np.zeros(0, dtype=bool), np.zeros((0, width), dtype="<u1"))


@dataclass(frozen=True)
class Cell:
    """The stored groups of the known units of one block of ids, in one grain, instrument version
    and month. Never changed in place: a reader may hold it while a fold drops units from the cache."""

    known: frozenset[int]
    rows: Rows

    @property
    def nbytes(self) -> int:
        return OVERHEAD + PER_UNIT * len(self.known) + self.rows.nbytes

    def of(self, units: frozenset[int]) -> Rows:
        """Return the groups of some of the known units."""
        if self.known <= units:
            return self.rows
        return self.rows.where(np.isin(self.rows.unit_id, list(units)))

    def without(self, units: Iterable[int]) -> "Cell":
        """Return this cell knowing nothing of these units."""
        units = self.known & set(units)
        if not units:
            return self
        return Cell(self.known - units, self.rows.where(~np.isin(self.rows.unit_id, list(units))))

    def adding(self, units: frozenset[int], rows: Rows) -> "Cell":
        """Return this cell with these units' groups (as just read) in place of what it held of them."""
        kept = self.without(units)
        return Cell(kept.known | units, Rows.joined([kept.rows, rows], rows.values.shape[1]))

    def first_column(self) -> "Cell":
        """Return a cell holding only the respondents of this one's groups."""
        rows = self.rows
        return Cell(self.known,
                    Rows(rows.unit_id, rows.part_id, rows.channel, rows.suspicious, rows.values[:, :1]))


class Cells:
    """A least-recently-used cache of cells holding at most `limit` bytes, at one fold generation."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self.size = 0
        #: The newest fold generation every held cell agrees with (-1: none yet).
        self.generation = -1
        self._entries: OrderedDict[CellKey, Cell] = OrderedDict()
        self._lock = threading.Lock()

    def __len__(self) -> int:
        return len(self._entries)

    def items(self) -> list[tuple[CellKey, Cell]]:
        """Return the cells held, least recently used first."""
        with self._lock:
            return list(self._entries.items())

    def held(self) -> list[tuple[str, int, int, str]]:
        """Return (grain, instrument version, unit, month) of every unit and month held."""
        return [(grain, instrument, unit, month) for (grain, instrument, _, month), cell in self.items()
                for unit in sorted(cell.known)]

    def get(self, key: CellKey) -> Cell | None:
        """Return a held cell (and mark it used), or None."""
        with self._lock:
            cell = self._entries.get(key)
            if cell is not None:
                self._entries.move_to_end(key)
            return cell

    def put(self, key: CellKey, cell: Cell, generation: int) -> None:
        """Hold a cell read at `generation`, evicting the least recently used past the limit.

        A cell read at another generation than the cache's (a fold came in between) is not kept.
        """
        with self._lock:
            if generation != self.generation or cell.nbytes > self.limit:
                return
            self._replace(key, cell)
            while self.size > self.limit:
                _, evicted = self._entries.popitem(last=False)
                self.size -= evicted.nbytes

    def _replace(self, key: CellKey, cell: Cell | None) -> None:
        old = self._entries.pop(key, None)
        if old is not None:
            self.size -= old.nbytes
        if cell is not None and cell.known:
            self._entries[key] = cell
            self.size += cell.nbytes

    def sync(self, connection: Connection, newest: int, oldest: int | None) -> None:
        """Agree with the stored tally at generation `newest` (the oldest row's is `oldest`).

        Drops from their cells the units and months a fold changed since; everything when the
        tally was rebuilt (generations went back, or every row is newer than what is held) or emptied.
        """
        with self._lock:
            held = self.generation
            if newest == held:
                return
            if held < 0 or not self._entries or newest < held or oldest is None or oldest > held:
                self._entries.clear()
                self.size = 0
            else:
                changed = connection.execute(
                    select(Tally.grain, Tally.instrument_id, Tally.unit_id, Tally.month)
                    .where(Tally.generation > held).distinct()
                ).all()
                units: dict[CellKey, set[int]] = {}
                for grain, instrument_id, unit_id, month in changed:
                    for name in (grain, respondents_of(grain)):
                        units.setdefault((name, int(instrument_id), int(unit_id) // BLOCK, month),
                                         set()).add(int(unit_id))
                for key, dropped in units.items():
                    cell = self._entries.get(key)
                    if cell is not None:
                        self._replace(key, cell.without(dropped))
            self.generation = newest

    def clear(self) -> None:
        """Forget every cell."""
        with self._lock:
            self._entries.clear()
            self.size = 0


def generations(connection: Connection) -> tuple[int, int | None]:
    """Return the newest and oldest fold generation stored (0 and None when the tally is empty).

    Two subqueries, each answered from the generation index (one min() or max() per query is
    what SQLite optimises).
    """
    newest = select(func.max(Tally.generation)).scalar_subquery()
    oldest = select(func.min(Tally.generation)).scalar_subquery()
    row = connection.execute(select(newest, oldest)).one()
    return int(row[0] or 0), (None if row[1] is None else int(row[1]))


def read(connection: Connection, grain: str, instrument_id: int, unit_ids: Sequence[int],
         months: Sequence[str], *, width: int, respondents: bool = False) -> dict[str, Rows]:
    """Read the stored groups of these units and months from the database, per month.

    `width` is the number of sums in a row of this instrument version. With `respondents`, only
    each group's first sum (from the first 4 bytes of the sums and their length).
    """
    sums = (func.substr(Tally.sums, 1, 4), func.length(Tally.sums)) if respondents else (Tally.sums,)
    rows = connection.execute(
        select(Tally.month, Tally.unit_id, Tally.part_id, Tally.channel, Tally.suspicious, *sums)
        .where(Tally.grain == grain, Tally.instrument_id == instrument_id,
               Tally.unit_id.in_(list(unit_ids)), Tally.month.in_(list(months)))
    ).all()
    if not rows:
        return {}
    size = len(rows)
    month = np.array([row[0] for row in rows], dtype=object)
    found = Rows(np.fromiter((row[1] for row in rows), dtype=np.int64, count=size),
                 np.fromiter((row[2] for row in rows), dtype=np.int64, count=size),
                 np.array([sys.intern(row[3]) for row in rows], dtype=object),
                 np.fromiter((bool(row[4]) for row in rows), dtype=bool, count=size),
                 first_sums(rows, width) if respondents else values_of([row[5] for row in rows], width))
    if len(set(month)) == 1:
        return {month[0]: found}
    return {m: found.where(month == m) for m in months if (month == m).any()}


def values_of(data: list[bytes], width: int) -> np.ndarray:
    """Return stored rows of `width` sums as one array (one view per stored type among them)."""
    lengths = np.fromiter((len(row) for row in data), dtype=np.int64, count=len(data))
    kinds = np.unique(lengths)
    if len(kinds) == 1:
        return stored(b"".join(data), width * len(data)).reshape(len(data), width)
    parts = {int(length): np.flatnonzero(lengths == length) for length in kinds}
    arrays = {length: stored(b"".join(data[i] for i in at), width * len(at)).reshape(len(at), width)
              for length, at in parts.items()}
    values = np.empty((len(data), width), dtype=np.result_type(*arrays.values()))
    for length, at in parts.items():
        values[at] = arrays[length]
    return values


def first_sums(rows: Sequence, width: int) -> np.ndarray:
    """Return the first sum of rows ending with the first 4 bytes of their sums and the sums' length."""
    return np.array([int.from_bytes(row[5][:row[6] // width], "little") for row in rows],
                    dtype="<i4").reshape(len(rows), 1)


@dataclass
class Assembled:
    """The blocks one request has assembled from cells, kept for its later reads up to `limit` bytes.

    A page's sections ask for the same units and months several times (the score table and the
    trend, the ratings and their reasons, each TT 01 item): each chunk is put together once.
    """

    limit: int
    size: int = 0
    blocks: dict[tuple, Block | None] = field(default_factory=dict)

    def put(self, key: tuple, block: Block | None) -> None:
        """Keep a chunk's block (None: the chunk holds no group) while the budget allows."""
        size = 0 if block is None else block.values.nbytes + 64 * len(block.keys)
        if self.size + size <= self.limit:
            self.blocks[key] = block
            self.size += size


def blocks(cells: Cells, connection: Connection, grain: str, instrument_ids: Sequence[int],
           unit_ids: Sequence[int], months: Sequence[str], *, width: int, generation: int,
           respondents: bool = False, assembled: Assembled | None = None) -> Iterator[Block]:
    """Yield the stored groups of these units and months, a block of unit ids at a time.

    `connection` reads the tally at fold `generation`; `width` is the sums a row of these instrument
    versions holds (they share a layout). Units the held cells know are used as they are; the
    others are read (one query per block and version) and kept while they fit in the cache beside
    what this call already put there: past that, the rest of a large scope streams through. With
    `respondents` the blocks hold each group's respondents alone (a held whole cell gives its first
    column). Blocks already in `assembled` (the request's) are used as they are, and new ones kept there.
    """
    keep = cells.limit
    key_grain = respondents_of(grain) if respondents else grain
    by_block: dict[int, list[int]] = {}
    for unit_id in unit_ids:
        by_block.setdefault(int(unit_id) // BLOCK, []).append(int(unit_id))
    for number, chunk in by_block.items():
        asked = frozenset(chunk)
        for instrument_id in instrument_ids:
            memo = (key_grain, int(instrument_id), number, asked, tuple(months), generation)
            if assembled is not None and memo in assembled.blocks:
                held_block = assembled.blocks[memo]
                if held_block is not None:
                    yield held_block
                continue
            held: dict[str, Cell] = {}
            missing: set[int] = set()
            for month in months:
                key = (key_grain, int(instrument_id), number, month)
                cell = cells.get(key)
                if cell is None and respondents:
                    whole = cells.get((grain, int(instrument_id), number, month))
                    cell = None if whole is None or not asked <= whole.known else whole.first_column()
                if cell is not None:
                    held[month] = cell
                missing |= asked - (cell.known if cell is not None else frozenset())
            if missing:
                # A unit missing in any month is read for all asked months: one rectangle per query.
                read_in = read(connection, grain, int(instrument_id), sorted(missing), months, width=width,
                               respondents=respondents)
                reread, none = frozenset(missing), no_rows(1 if respondents else width)
                for month in months:
                    old = held.get(month)
                    new = (old or Cell(frozenset(), none)).adding(reread, read_in.get(month, none))
                    held[month] = new
                    grown = new.nbytes - (old.nbytes if old is not None else 0)
                    if keep >= grown:
                        cells.put((key_grain, int(instrument_id), number, month), new, generation)
                        keep -= grown
            block = block_of([(month, held[month].of(asked)) for month in months])
            if assembled is not None:
                assembled.put(memo, block)
            if block is not None:
                yield block


def block_of(chosen: list[tuple[str, Rows]]) -> Block | None:
    """Return one block holding the groups of these months, or None when they hold none."""
    chosen = [(month, rows) for month, rows in chosen if len(rows)]
    if not chosen:
        return None
    rows = Rows.joined([rows for _, rows in chosen], chosen[0][1].values.shape[1])
    months = np.array([month for month, _ in chosen], dtype=object)
    keys = pd.DataFrame({
        "unit_id": rows.unit_id, "part_id": rows.part_id,
        "month": np.repeat(months, [len(part) for _, part in chosen]),
        "channel": rows.channel, "suspicious": rows.suspicious,
    })[list(KEYS)]
    return Block(keys, rows.values.astype("<i4", casting="safe"))
