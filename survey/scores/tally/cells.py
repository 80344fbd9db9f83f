"""Stored groups read per scope: one cell per grain, instrument version, unit and month, cached by bytes.

A page reads from the database only the cells of the units and months it asks for (the index
on tally (grain, unit_id, month) finds them) and keeps them in this process's `Cells`, a
least-recently-used cache bounded by bytes (TALLY_CACHE_MB). The cache knows the fold
generation it agrees with; `Cells.sync` drops the cells a later fold changed, so a page never
adds stale sums. A scope too large for the cache is streamed in chunks of units and summed as it
goes: memory stays bounded by the cache and one chunk, not by the country.

A cell may also hold only its groups' respondents (the first sum, 4 bytes a group, under the
grain's `respondents_of` key), for the sections that count ratings and nothing else.
"""

import threading
from collections import OrderedDict
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from sqlalchemy import Connection, func, select

from survey.models import Tally
from survey.scores.tally.layout import KEYS, Block, stored

#: (grain, instrument version, unit id, local month "YYYY-MM").
CellKey = tuple[str, int, int, str]

#: Units read per query (a literal id list: both planners look each up in the index).
CHUNK = 200

#: Bytes a cell costs beside its arrays (the Python objects holding them).
OVERHEAD = 600


def respondents_of(grain: str) -> str:
    """Return the cache key's grain for cells holding only the respondents of a grain's groups."""
    return f"{grain}:n"


@dataclass(frozen=True)
class Cell:
    """The stored groups of one unit and month in one grain and instrument version (possibly none)."""

    part_id: np.ndarray
    channel: np.ndarray
    suspicious: np.ndarray
    #: Sums as stored (uint8, uint16 or int32), one row per group.
    values: np.ndarray
    #: What the cell costs in memory (its arrays and OVERHEAD).
    nbytes: int = OVERHEAD

    @classmethod
    def of(cls, part_id: np.ndarray, channel: np.ndarray, suspicious: np.ndarray,
           values: np.ndarray) -> "Cell":
        size = OVERHEAD + sum(a.nbytes for a in (part_id, channel, suspicious, values))
        return cls(part_id, channel, suspicious, values, size)


#: A unit and month without stored groups (one object for all of them).
EMPTY = Cell.of(np.zeros(0, dtype=np.int64), np.zeros(0, dtype="<U16"), np.zeros(0, dtype=bool),
                np.zeros((0, 0), dtype="<i4"))


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

    def held(self) -> list[CellKey]:
        """Return the keys held, least recently used first."""
        with self._lock:
            return list(self._entries)

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
            old = self._entries.pop(key, None)
            if old is not None:
                self.size -= old.nbytes
            self._entries[key] = cell
            self.size += cell.nbytes
            while self.size > self.limit:
                _, evicted = self._entries.popitem(last=False)
                self.size -= evicted.nbytes

    def sync(self, connection: Connection, newest: int, oldest: int | None) -> None:
        """Agree with the stored tally at generation `newest` (the oldest row's is `oldest`).

        Drops the cells a fold changed since; everything when the tally was rebuilt (generations
        went back, or every row is newer than what is held) or emptied.
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
                for key in changed:
                    for grain in (key[0], respondents_of(key[0])):
                        cell = self._entries.pop((grain, int(key[1]), int(key[2]), key[3]), None)
                        if cell is not None:
                            self.size -= cell.nbytes
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


def read(connection: Connection, grain: str, instrument_ids: Sequence[int], unit_ids: Sequence[int],
         months: Sequence[str], *, width: int, respondents: bool = False) -> dict[CellKey, Cell]:
    """Read the stored cells of these units and months from the database (empty cells included).

    `width` is the number of sums in a row of these instrument versions (they share a layout).
    With `respondents`, only each group's first sum and the row's length (at most 4 bytes
    instead of the whole vector), keyed under `respondents_of(grain)`.
    """
    sums = (func.substr(Tally.sums, 1, 4), func.length(Tally.sums)) if respondents else (Tally.sums,)
    rows = connection.execute(
        select(Tally.instrument_id, Tally.unit_id, Tally.month, Tally.part_id, Tally.channel,
               Tally.suspicious, *sums)
        .where(Tally.grain == grain, Tally.instrument_id.in_(list(instrument_ids)),
               Tally.unit_id.in_(list(unit_ids)), Tally.month.in_(list(months)))
    ).all()
    key_grain = respondents_of(grain) if respondents else grain
    found: dict[CellKey, list] = {}
    for row in rows:
        found.setdefault((key_grain, int(row[0]), int(row[1]), row[2]), []).append(row)
    cells = {}
    for instrument_id in instrument_ids:
        for unit_id in unit_ids:
            for month in months:
                key = (key_grain, int(instrument_id), int(unit_id), month)
                held = found.get(key)
                cells[key] = cell_of(held, width, respondents=respondents) if held else EMPTY
    return cells


def cell_of(rows: list, width: int, *, respondents: bool = False) -> Cell:
    """Return a cell holding these tally rows (instrument, unit, month, part, channel, flag, sums),
    the sums as stored (uint8, uint16 or int32: layout.encode); with `respondents`, rows end with
    the first 4 bytes of the sums and their length, and the cell holds the first sum alone."""
    if not rows:
        return EMPTY
    if respondents:
        values = np.array([[int.from_bytes(row[6][:row[7] // width], "little")] for row in rows], dtype="<i4")
    elif len({len(row[6]) for row in rows}) == 1:  # one stored type: one view of the joined rows
        values = stored(b"".join(row[6] for row in rows), width * len(rows)).reshape(len(rows), width)
    else:
        values = np.vstack([stored(row[6], width) for row in rows])
    return Cell.of(np.array([row[3] for row in rows], dtype=np.int64),
                   np.array([row[4] for row in rows], dtype="<U16"),
                   np.array([bool(row[5]) for row in rows], dtype=bool), values)


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
    """Yield the stored groups of these units and months, a chunk of units at a time.

    `connection` reads the tally at fold `generation`; `width` is the sums a row of these instrument
    versions holds (they share a layout). Held cells are used as they are; the others
    are read (one query per chunk) and kept while they fit in the cache beside what this call
    already put there: past that, the rest of a large scope streams through. With `respondents`
    the blocks hold each group's respondents alone (a held whole cell gives its first column).
    Chunks already in `assembled` (the request's) are used as they are, and new ones kept there.
    """
    keep = cells.limit
    key_grain = respondents_of(grain) if respondents else grain
    for start in range(0, len(unit_ids), CHUNK):
        chunk = [int(u) for u in unit_ids[start:start + CHUNK]]
        for instrument_id in instrument_ids:
            memo = (key_grain, int(instrument_id), tuple(chunk), tuple(months), generation)
            if assembled is not None and memo in assembled.blocks:
                held = assembled.blocks[memo]
                if held is not None:
                    yield held
                continue
            chosen: list[tuple[int, str, Cell]] = []
            missing: set[int] = set()
            for unit_id in chunk:
                for month in months:
                    cell = cells.get((key_grain, int(instrument_id), unit_id, month))
                    if cell is None and respondents:
                        whole = cells.get((grain, int(instrument_id), unit_id, month))
                        cell = None if whole is None else first_column(whole)
                    if cell is None:
                        missing.add(unit_id)
                    else:
                        chosen.append((unit_id, month, cell))
            if missing:
                # A unit with any month missing is read for all asked months: one rectangle per query.
                chosen = [(u, m, c) for u, m, c in chosen if u not in missing]
                read_in = read(connection, grain, [instrument_id], sorted(missing), months,
                               width=width, respondents=respondents)
                for (_, _, unit_id, month), cell in read_in.items():
                    chosen.append((unit_id, month, cell))
                    if keep >= cell.nbytes:
                        cells.put((key_grain, int(instrument_id), unit_id, month), cell, generation)
                        keep -= cell.nbytes
            block = block_of(chosen)
            if assembled is not None:
                assembled.put(memo, block)
            if block is not None:
                yield block


def first_column(cell: Cell) -> Cell:
    """Return a cell holding only the respondents of another's groups."""
    if not len(cell.part_id):
        return EMPTY
    return Cell.of(cell.part_id, cell.channel, cell.suspicious, cell.values[:, :1])


def block_of(chosen: list[tuple[int, str, Cell]]) -> Block | None:
    """Return one block holding the groups of these cells, or None when they hold none."""
    chosen = [(u, m, c) for u, m, c in chosen if len(c.part_id)]
    if not chosen:
        return None
    sizes = [len(c.part_id) for _, _, c in chosen]
    keys = pd.DataFrame({
        "unit_id": np.repeat(np.array([u for u, _, _ in chosen], dtype=np.int64), sizes),
        "part_id": np.concatenate([c.part_id for _, _, c in chosen]),
        "month": np.repeat(np.array([m for _, m, _ in chosen], dtype=object), sizes),
        "channel": np.concatenate([c.channel for _, _, c in chosen]).astype(object),
        "suspicious": np.concatenate([c.suspicious for _, _, c in chosen]),
    })[list(KEYS)]
    return Block(keys, np.concatenate([c.values for _, _, c in chosen], dtype="<i4", casting="safe"))
