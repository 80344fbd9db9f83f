"""The tally: additive sums of every response per group, stored in the database, updated by addition.

Scores need no respondent, only sums: respondents, the count of each answer of each item, and for
the rated items the moments of scoring (item totals and cross-products). These add, so the
`tally` table keeps them per group in two grains, and the QĐ 766 facts of dossiers in a third:

- "counter": unit, counter, local month, channel, flag;
- "service": unit, service, local month, flag (no channel);
- "dossier": unit, service, local month of reception (see `dossier_changes`).

Every inserted response and dossier waits in a queue (`tally_pending`, `tally_pending_dossier`;
database triggers put them there, whoever inserts them) until `fold` adds it to its groups and
deletes it from the queue in one transaction, so it is counted exactly once however commits
interleave. Readers (`view`) hold the tally in memory, reload only rows a later fold changed, and
add what is still queued: pages stay exact at every moment. A fold runs when enough rows wait, on
the next read, or with `flask tally`.

`sums` and `dossier_facts` answer the pages' queries from the tally, or return None when it cannot
(a period that is not whole local months, a service filter together with a channel or counter):
the caller then counts in SQL (survey.queries), with the same result.
"""

import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from flask import current_app, g, has_request_context
from scipy import sparse
from sqlalchemy import Connection, Engine, bindparam, delete, func, insert, or_, select, update

import scoring
from survey import instruments, queries
from survey.catalogue import definition
from survey.db import get_engine, is_writing_request, writing
from survey.models import (
    ANSWER_SLOTS,
    Answer,
    Dossier,
    Instrument,
    Response,
    Tally,
    TallyPending,
    TallyPendingDossier,
)
from survey.periods import LOCAL_OFFSET, Period, local_today, month_end
from survey.responses import allowed_values

#: Group columns of both grains; `part_id` is the counter or the service (0: none).
KEYS = ("unit_id", "part_id", "month", "channel", "suspicious")
GRAINS = {"counter": "counter_id", "service": "service_id"}
#: Responses folded per transaction.
FOLD_BATCH = 250_000
#: PostgreSQL advisory lock that lets one fold run at a time.
FOLD_LOCK = 0x74616C6C
_INT32 = np.iinfo(np.int32).max
_lock = threading.Lock()


@dataclass(frozen=True)
class Layout:
    """Where each sum sits in a group's vector, for one instrument version.

    [0] respondents; then, for every item that is not multi-choice, the count of each of its
    values; then, when the instrument has rated items, the moments' totals (2m) and the upper
    triangle of their cross-products (row by row).
    """

    counted: tuple[tuple[str, int, tuple[int, ...]], ...]
    scored: tuple[str, ...]

    @classmethod
    def of(cls, instrument: instruments.Instrument) -> "Layout":
        counted = tuple((item.code, item.slot, tuple(sorted(allowed_values(instrument, item))))
                        for item in instrument.items if item.kind != "multi")
        return cls(counted, tuple(item.code for item in instrument.scored_items))

    @property
    def m(self) -> int:
        return 2 * len(self.scored)

    @property
    def totals_at(self) -> int:
        return 1 + sum(len(values) for _, _, values in self.counted)

    @property
    def cross_at(self) -> int:
        return self.totals_at + self.m

    @property
    def width(self) -> int:
        return self.cross_at + self.m * (self.m + 1) // 2 if self.scored else self.totals_at

    def counts_at(self, code: str) -> tuple[int, tuple[int, ...]]:
        """Return (first column, values) of an item's value counts."""
        at = 1
        for item, _, values in self.counted:
            if item == code:
                return at, values
            at += len(values)
        raise KeyError(f"item {code!r} has no value counts in this layout")


@dataclass(frozen=True)
class Block:
    """Groups of one grain and instrument version: keys (KEYS columns) and their sums (int32 as stored, or int64)."""

    keys: pd.DataFrame
    values: np.ndarray
    #: Tally row ids of stored groups (None for the sums of pending responses).
    ids: np.ndarray | None = None


# --- counting responses into groups ------------------------------------------------------------


def fetch(connection: Connection, ids: Sequence[int]) -> pd.DataFrame:
    """Return these waiting responses with their answers (ids in ascending order)."""
    slots = [Answer.__table__.c[f"v{slot:02d}"] for slot in range(1, ANSWER_SLOTS + 1)]
    statement = (
        select(Response.id, Response.instrument_id, Response.unit_id, Response.counter_id, Response.service_id,
               queries.local_month(connection).label("month"), Response.channel, Response.suspicious,
               Response.answered_mask, Response.satisfied_mask, *slots)
        .outerjoin(Answer, Answer.response_id == Response.id)
        .where(among(Response.id, ids, TallyPending.response_id))
    )
    batch = len(ids) > FEW
    if batch:
        statement = statement.where(Response.id.between(ids[0], ids[-1]))
    if batch and connection.dialect.name == "postgresql":
        rows = queries.run_copy(connection, statement)
    else:
        # Plain numbers and text: the driver's tuples, without building a Row per response.
        result = connection.execute(statement)
        rows = pd.DataFrame(result.cursor.fetchall(), columns=list(result.keys()))
    # A batch read through the queue may meet responses queued meanwhile: they wait for the next fold.
    return rows[rows["id"].isin(ids)] if batch else rows


#: Up to this many ids are sent as a list; more are read through their queue table.
FEW = 5_000


def among(column, ids: Sequence[int], queue_column):
    """Return "column is one of ids": a literal list (planners look those up by key), or the queue."""
    return column.in_(list(ids)) if len(ids) <= FEW else column.in_(select(queue_column))


def aggregate(rows: pd.DataFrame, known: dict[int, tuple[str, Layout]]) -> dict[tuple[str, int], Block]:
    """Sum responses (rows from `fetch`) into groups of both grains, per instrument version."""
    blocks = {}
    for instrument_id, part in rows.groupby("instrument_id", sort=True):
        _, layout = known[int(instrument_id)]
        answers = {slot: pd.to_numeric(part[f"v{slot:02d}"], errors="coerce").fillna(-1).to_numpy(dtype=np.int64)
                   for _, slot, _ in layout.counted}
        masks = part["answered_mask"].to_numpy(dtype=np.int64), part["satisfied_mask"].to_numpy(dtype=np.int64)
        common = {"unit_id": part["unit_id"].astype("int64").to_numpy(), "month": part["month"].astype(str).to_numpy(),
                  "suspicious": part["suspicious"].astype(bool).to_numpy()}
        for grain, column in GRAINS.items():
            keys = pd.DataFrame({
                **common,
                "part_id": pd.to_numeric(part[column], errors="coerce").fillna(0).astype("int64").to_numpy(),
                "channel": part["channel"].astype(str).to_numpy() if grain == "counter" else "",
            })
            grouped = keys.groupby(list(KEYS), sort=True)
            codes = grouped.ngroup().to_numpy()
            groups = grouped.size().index.to_frame(index=False)
            values = group_vectors(codes, len(groups), layout, answers, masks)
            blocks[grain, int(instrument_id)] = Block(groups, values)
    return blocks


def group_vectors(codes: np.ndarray, size: int, layout: Layout, answers: dict[int, np.ndarray],
                  masks: tuple[np.ndarray, np.ndarray]) -> np.ndarray:
    """Return the layout's sums (size × width, int64) of responses numbered by group `codes`.

    `answers` maps a slot to its values (-1: none); `masks` are (answered, satisfied) bit masks.
    """
    values = np.zeros((size, layout.width), dtype=np.int64)
    values[:, 0] = np.bincount(codes, minlength=size)
    at = 1
    for _, slot, options in layout.counted:
        # Each answer's position among the item's values (-1: not one of them), then one count of
        # (group, position) pairs.
        lookup = np.full(max(max(options), int(answers[slot].max(initial=0))) + 2, -1)
        lookup[list(options)] = np.arange(len(options))
        position = lookup[answers[slot]]
        given = position >= 0
        counts = np.bincount(codes[given] * len(options) + position[given], minlength=size * len(options))
        values[:, at:at + len(options)] = counts.reshape(size, len(options))
        at += len(options)
    if layout.scored:
        patterns = pd.DataFrame({"group": codes, "answered_mask": masks[0], "satisfied_mask": masks[1]})
        patterns = patterns.groupby(list(patterns.columns), sort=False).size().rename("n").reset_index()
        structure = scoring.Structure(items=tuple(scoring.Item(code, None) for code in layout.scored))
        moments = scoring.moments_from_patterns(patterns, by=["group"], structure=structure)
        rows = moments.index.to_numpy(dtype=np.int64)
        upper = np.triu_indices(layout.m)
        values[rows, layout.totals_at:layout.cross_at] = moments.totals.round()
        values[rows, layout.cross_at:] = moments.cross[:, upper[0], upper[1]].round()
    return values


# --- folding pending responses into the stored tally ---------------------------------------------


def fold(engine: Engine, *, batch: int = FOLD_BATCH) -> int:
    """Add every waiting response and dossier to the tally, a batch per transaction; return how many responses."""
    folded = 0
    while True:
        with writing(), engine.begin() as connection:
            lock(connection)
            ids = connection.execute(
                select(TallyPending.response_id).order_by(TallyPending.response_id).limit(batch)
            ).scalars().all()
            dossier_ids = connection.execute(
                select(TallyPendingDossier.dossier_id).order_by(TallyPendingDossier.dossier_id).limit(batch)
            ).scalars().all()
            if not ids and not dossier_ids:
                return folded
            blocks = aggregate(fetch(connection, ids), versions(connection)) if ids else {}
            changes = dossier_changes(connection, responses=ids, dossiers=dossier_ids)
            if changes is not None:
                blocks[DOSSIER_BLOCK] = changes
            write(connection, blocks, next_generation(connection))
            for queue, column, done in ((TallyPending, TallyPending.response_id, ids),
                                        (TallyPendingDossier, TallyPendingDossier.dossier_id, dossier_ids)):
                for start in range(0, len(done), 5_000):
                    connection.execute(delete(queue).where(column.in_(done[start:start + 5_000])))
            folded += len(ids)


# --- dossier facts (QĐ 766, TT 01 indicator 2) ---------------------------------------------------

#: Sums of grain "dossier", in this order: static facts of each dossier, then whether a rating
#: found it dissatisfied (any rating, or kept ratings only), alone and where no complaint or
#: delay already made it bad.
DOSSIER_FACTS = ("dossiers", "complaint", "overdue", "complaint_or_overdue", "early", "same_day", "returned",
                 "dissatisfied", "dissatisfied_only", "dissatisfied_kept", "dissatisfied_kept_only")
DOSSIER_BLOCK = ("dossier", 0)
#: The per-dossier rating whose dissatisfied answers make a dossier bad (QĐ 766).
DOSSIER_RATING = ("tt01-dossier", "RATING")


def dossier_changes(connection: Connection, *, responses: Sequence[int], dossiers: Sequence[int]) -> Block | None:
    """Sum how dossier facts change when these waiting responses and dossiers are counted.

    A dossier's facts count once it is counted; its ratings count once they are. Each touched
    dossier's facts are worked out before and after, so the change is exact in any order of arrival
    (a rating before its dossier, two versions rating one dossier, a flagged rating).
    """
    ratings = rating_versions(connection)
    rated = (select(Response.dossier_hash)
             .where(among(Response.id, responses, TallyPending.response_id), Response.dossier_hash.is_not(None),
                    Response.instrument_id.in_(list(ratings))))
    if len(responses) > FEW:  # a fold's batch: only its own id range, not the whole queue
        rated = rated.where(Response.id.between(min(responses), max(responses)))
    touched = [among(Dossier.id, dossiers, TallyPendingDossier.dossier_id)] if len(dossiers) else []
    if ratings and len(responses) > FEW:
        touched.append(Dossier.dossier_hash.in_(rated))
    elif ratings and len(responses):
        # Looked up first: a short list of hashes lets planners use the dossier_hash index.
        hashes = list(connection.execute(rated).scalars())
        if hashes:
            touched.append(Dossier.dossier_hash.in_(hashes))
    if not touched:
        return None
    touched = or_(*touched)
    facts = queries.run(connection, select(
        Dossier.id, Dossier.unit_id, Dossier.service_id, Dossier.dossier_hash, Dossier.received_at, Dossier.created_at,
        Dossier.due_at, Dossier.returned_at, Dossier.complaint,
        TallyPendingDossier.dossier_id.is_not(None).label("waiting"),
    ).outerjoin(TallyPendingDossier, TallyPendingDossier.dossier_id == Dossier.id).where(touched))
    if not len(facts):
        return None
    counted_before = ~facts["waiting"].astype(bool).to_numpy()
    counted_after = counted_before | facts["id"].isin(list(dossiers)).to_numpy()
    found = {"before": set(), "after": set(), "kept before": set(), "kept after": set()}
    counting = set(responses)
    if ratings:
        slots = sorted({slot for slot, _ in ratings.values()})
        frame = queries.run(connection, select(
            Response.id, Response.instrument_id, Response.dossier_hash, Response.suspicious,
            *(Answer.__table__.c[f"v{slot:02d}"] for slot in slots),
            TallyPending.response_id.is_not(None).label("waiting"),
        ).join(Answer, Answer.response_id == Response.id)
         .outerjoin(TallyPending, TallyPending.response_id == Response.id)
         .where(Response.instrument_id.in_(list(ratings)),
                Response.dossier_hash.in_(select(Dossier.dossier_hash).where(touched))))
        for row in frame.itertuples(index=False):
            slot, value = ratings[row.instrument_id]
            if getattr(row, f"v{slot:02d}") != value:
                continue
            before = not row.waiting
            after = before or row.id in counting
            for state, counted in (("before", before), ("after", after)):
                if counted:
                    found[state].add(row.dossier_hash)
                    if not row.suspicious:
                        found[f"kept {state}"].add(row.dossier_hash)
    vectors = {state: dossier_vectors(facts, found[state], found[f"kept {state}"]) * counted[:, None]
               for state, counted in (("before", counted_before), ("after", counted_after))}
    keys = pd.DataFrame({
        "unit_id": facts["unit_id"].astype("int64"),
        "part_id": pd.to_numeric(facts["service_id"], errors="coerce").fillna(0).astype("int64"),
        "month": local(facts["received_at"].fillna(facts["created_at"])).dt.strftime("%Y-%m"),
        "channel": "",
        "suspicious": False,
    })
    grouped = keys.groupby(list(KEYS), sort=True)
    codes = grouped.ngroup().to_numpy()
    change = np.zeros((grouped.ngroups, len(DOSSIER_FACTS)), dtype=np.int64)
    np.add.at(change, codes, vectors["after"] - vectors["before"])
    return Block(grouped.size().index.to_frame(index=False), change)


def dossier_vectors(facts: pd.DataFrame, dissatisfied: set, kept: set) -> np.ndarray:
    """Return each dossier's facts (DOSSIER_FACTS) given which dossier hashes were rated dissatisfied."""
    due, returned = pd.to_datetime(facts["due_at"], utc=True), pd.to_datetime(facts["returned_at"], utc=True)
    closed = (due.notna() & returned.notna()).to_numpy()
    due_day, returned_day = local(due).dt.floor("D"), local(returned).dt.floor("D")
    complaint = facts["complaint"].astype(bool).to_numpy()
    overdue = closed & (returned > due).to_numpy()
    bad = complaint | overdue
    rated = facts["dossier_hash"].isin(dissatisfied).to_numpy()
    rated_kept = facts["dossier_hash"].isin(kept).to_numpy()
    columns = [np.ones(len(facts), dtype=bool), complaint, overdue, bad, closed & (returned_day < due_day).to_numpy(),
               closed & (returned_day == due_day).to_numpy(), closed, rated, rated & ~bad, rated_kept, rated_kept & ~bad]
    return np.column_stack(columns).astype(np.int64)


def local(times: pd.Series) -> pd.Series:
    """Return UTC times as local (UTC+7) wall-clock times."""
    return pd.to_datetime(times, utc=True).dt.tz_localize(None) + LOCAL_OFFSET


def rating_versions(connection: Connection) -> dict[int, tuple[int, int]]:
    """Return {instrument version id: (slot, dissatisfied value)} of the per-dossier rating."""
    code, item = DOSSIER_RATING
    rows = connection.execute(select(Instrument.id, Instrument.definition).where(Instrument.code == code)).all()
    result = {}
    for row in rows:
        instrument = definition(row.id, row.definition)
        worst = min(level.value for level in instrument.levels if level.value not in instrument.satisfied)
        result[row.id] = (instrument.item(item).slot, worst)
    return result


def add_inserted(engine: Engine, rows: pd.DataFrame) -> bool:
    """Add responses a bulk load has just inserted, given as `fetch` returns them, without reading them back.

    Only when exactly these ids (one contiguous range) wait in the queue; returns False and
    changes nothing otherwise (a later fold counts them).
    """
    ids = rows["id"].to_numpy(dtype=np.int64)
    if not len(ids):
        return True
    first, last = int(ids.min()), int(ids.max())
    with writing(), engine.begin() as connection:
        lock(connection)
        waiting = connection.execute(select(func.count()).select_from(TallyPending)
                                     .where(TallyPending.response_id.between(first, last))).scalar()
        if waiting != len(ids) or last - first + 1 != len(ids):
            return False
        write(connection, aggregate(rows, versions(connection)), next_generation(connection))
        connection.execute(delete(TallyPending).where(TallyPending.response_id.between(first, last)))
    return True


def next_generation(connection: Connection) -> int:
    """Return the generation number of the fold under way (one more than any stored row's)."""
    return (connection.execute(select(func.max(Tally.generation))).scalar() or 0) + 1


def lock(connection: Connection) -> None:
    """Wait until no other fold runs (PostgreSQL; SQLite has one writer at a time anyway)."""
    if connection.dialect.name == "postgresql":
        connection.execute(select(func.pg_advisory_xact_lock(FOLD_LOCK)))


def write(connection: Connection, blocks: dict[tuple[str, int], Block], generation: int) -> None:
    """Add blocks to the stored groups (new groups are inserted), marking them with `generation`."""
    for (grain, instrument_id), block in blocks.items():
        stored = connection.execute(
            select(Tally.id, Tally.unit_id, Tally.part_id, Tally.month, Tally.channel, Tally.suspicious, Tally.sums)
            .where(Tally.grain == grain, Tally.instrument_id == instrument_id,
                   Tally.unit_id.in_(sorted(set(block.keys["unit_id"].tolist()))),
                   Tally.month.in_(sorted(set(block.keys["month"].tolist()))))
        ).all()
        known = {(r.unit_id, r.part_id, r.month, r.channel, bool(r.suspicious)): (r.id, r.sums) for r in stored}
        updates, inserts = [], []
        for key, vector in zip(block.keys.itertuples(index=False, name=None), block.values, strict=True):
            key = (int(key[0]), int(key[1]), key[2], key[3], bool(key[4]))
            if key in known:
                row_id, sums = known[key]
                updates.append({"row_id": row_id, "new_sums": encode(decode(sums) + vector), "new_generation": generation})
            else:
                inserts.append({"grain": grain, "instrument_id": instrument_id, "unit_id": key[0], "part_id": key[1],
                                "month": key[2], "channel": key[3], "suspicious": key[4], "sums": encode(vector),
                                "generation": generation})
        if updates:
            connection.execute(
                update(Tally).where(Tally.id == bindparam("row_id"))
                .values(sums=bindparam("new_sums"), generation=bindparam("new_generation")),
                updates,
            )
        if inserts:
            connection.execute(insert(Tally), inserts)


def encode(vector: np.ndarray) -> bytes:
    """Return sums as little-endian int32 bytes (a group past 2³¹ answers is refused, not wrapped)."""
    if vector.size and (vector.max() > _INT32 or vector.min() < 0):
        raise OverflowError("a tally group's sums left the int32 range")
    return np.asarray(vector, dtype="<i4").tobytes()


def decode(data: bytes) -> np.ndarray:
    """Return stored sums as int64."""
    return np.frombuffer(data, dtype="<i4").astype(np.int64)


def versions(connection: Connection) -> dict[int, tuple[str, Layout]]:
    """Return the code and layout of every stored instrument version."""
    rows = connection.execute(select(Instrument.id, Instrument.code, Instrument.definition)).all()
    return {row.id: (row.code, Layout.of(definition(row.id, row.definition))) for row in rows}


def rebuild(engine: Engine) -> int:
    """Count every response again from scratch; return how many."""
    with writing(), engine.begin() as connection:
        connection.execute(delete(Tally))
        connection.execute(delete(TallyPending))
        connection.execute(delete(TallyPendingDossier))
        connection.execute(insert(TallyPending).from_select(["response_id"], select(Response.id)))
        connection.execute(insert(TallyPendingDossier).from_select(["dossier_id"], select(Dossier.id)))
    return fold(engine)


# --- reading ---------------------------------------------------------------------------------------


@dataclass
class Store:
    """One app's copy of the stored tally and of the sums of the responses still pending."""

    generation: int = -1
    rows: int = -1
    stored: dict[tuple[str, int], Block] = field(default_factory=dict)
    #: Ids of the responses and of the dossiers waiting, whose sums `pending` holds.
    pending_ids: tuple[frozenset, frozenset] = (frozenset(), frozenset())
    pending: dict[tuple[str, int], Block] = field(default_factory=dict)
    #: Code and layout of every stored instrument version.
    versions: dict[int, tuple[str, Layout]] = field(default_factory=dict)

    def blocks(self, grain: str, instrument_ids: Sequence[int]) -> Iterator[Block]:
        """Yield the stored and the waiting groups of a grain and some instrument versions."""
        for instrument_id in instrument_ids:
            for source in (self.stored, self.pending):
                block = source.get((grain, instrument_id))
                if block is not None and len(block.keys):
                    yield block


@contextmanager
def snapshot(engine: Engine) -> Iterator[Connection]:
    """Yield a connection whose reads all see one moment of the database."""
    if engine.dialect.name == "postgresql":
        with engine.connect().execution_options(isolation_level="REPEATABLE READ") as connection, connection.begin():
            yield connection
    else:
        with engine.connect() as connection, connection.begin():
            yield connection


def view() -> Store:
    """Return this app's tally brought up to date (once per request), folding when many responses wait."""
    if has_request_context() and "tally_store" in g:
        return g.tally_store
    engine = get_engine()
    with _lock:
        store = current_app.extensions.get("hailong_tally") or Store()
        store = refresh(engine, store, fold_at=int(current_app.config["TALLY_FOLD_AT"]))
        current_app.extensions["hailong_tally"] = store
    if has_request_context():
        g.tally_store = store
    return store


def refresh(engine: Engine, store: Store, *, fold_at: int) -> Store:
    """Return a store that agrees with the database now."""
    with snapshot(engine) as connection:
        waiting = (connection.execute(select(func.count()).select_from(TallyPending)).scalar()
                   + connection.execute(select(func.count()).select_from(TallyPendingDossier)).scalar())
    # A request that holds SQLite's write lock would wait on itself: it reads the queue instead.
    if waiting > fold_at and not is_writing_request():
        fold(engine)
    with snapshot(engine) as connection:
        known = versions(connection)
        generation, rows = connection.execute(select(func.coalesce(func.max(Tally.generation), 0), func.count())
                                              .select_from(Tally)).one()
        stored = store.stored
        if (generation, rows) != (store.generation, store.rows):
            fresh = generation < store.generation or store.rows < 0
            stored = load(connection, {} if fresh else stored, 0 if fresh else store.generation)
            if sum(len(block.keys) for block in stored.values()) != rows:
                stored = load(connection, {}, 0)
        pending_ids = (frozenset(connection.execute(select(TallyPending.response_id)).scalars().all()),
                       frozenset(connection.execute(select(TallyPendingDossier.dossier_id)).scalars().all()))
        pending = store.pending
        if pending_ids != store.pending_ids:
            responses, dossiers = sorted(pending_ids[0]), sorted(pending_ids[1])
            pending = {key: block for key, block in store.pending.items() if key != DOSSIER_BLOCK}
            if pending_ids[0] >= store.pending_ids[0] and generation == store.generation:
                # Only responses have joined the queue: add the new ones to the sums already held.
                pending = combine(pending, aggregate(fetch(connection, sorted(pending_ids[0] - store.pending_ids[0])),
                                                     known))
            else:
                pending = aggregate(fetch(connection, responses), known) if responses else {}
            # Dossier facts are not additive over parts of a queue (a rating and its dossier may
            # wait in different parts): they are worked out for the whole queue.
            changes = dossier_changes(connection, responses=responses, dossiers=dossiers) if any(pending_ids) else None
            if changes is not None:
                pending[DOSSIER_BLOCK] = changes
    return Store(generation, rows, stored, pending_ids, pending, known)


def combine(old: dict[tuple[str, int], Block], new: dict[tuple[str, int], Block]) -> dict[tuple[str, int], Block]:
    """Return the blocks of both (rows of a key side by side: they are summed when read)."""
    result = dict(old)
    for key, block in new.items():
        if key in result:
            block = Block(pd.concat([result[key].keys, block.keys], ignore_index=True),
                          np.concatenate([result[key].values, block.values]))
        result[key] = block
    return result


def load(connection: Connection, stored: dict[tuple[str, int], Block], after: int) -> dict[tuple[str, int], Block]:
    """Return stored blocks with the rows changed after generation `after` read in (all rows for 0)."""
    result = dict(stored) if after else {}
    statement = select(Tally.id, Tally.grain, Tally.instrument_id, *(getattr(Tally, k) for k in KEYS), Tally.sums)
    if after:
        statement = statement.where(Tally.generation > after)
    frame = queries.run(connection, statement.order_by(Tally.id))
    for (grain, instrument_id), part in frame.groupby(["grain", "instrument_id"], sort=False):
        # Kept as int32 (as stored): half the memory; sums are taken in int64.
        values = np.frombuffer(b"".join(part["sums"]), dtype="<i4").reshape(len(part), -1)
        keys = part[list(KEYS)].reset_index(drop=True).astype({"suspicious": bool})
        ids = part["id"].to_numpy(dtype=np.int64)
        old = result.get((grain, int(instrument_id)))
        if old is not None:
            changed = np.isin(old.ids, ids)
            keys = pd.concat([old.keys[~changed], keys], ignore_index=True)
            values = np.concatenate([old.values[~changed], values])
            ids = np.concatenate([old.ids[~changed], ids])
        result[grain, int(instrument_id)] = Block(keys, values, ids)
    return result


# --- answering the pages' queries -------------------------------------------------------------------


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
        cross = np.zeros((size, m, m))
        upper = np.triu_indices(m)
        cross[:, upper[0], upper[1]] = self.values[:, self.layout.cross_at:]
        cross[:, upper[1], upper[0]] = self.values[:, self.layout.cross_at:]
        columns = list(self.keys.columns)
        if len(columns) > 1:
            index = pd.MultiIndex.from_frame(self.keys)
        elif columns:
            index = pd.Index(self.keys[columns[0]], name=columns[0])
        else:
            index = pd.Index(["all"] * size)
        return scoring.Moments(index, tuple(items), self.values[:, 0].astype(float),
                               self.values[:, self.layout.totals_at:self.layout.cross_at].astype(float), cross)

    def counts(self, code: str) -> pd.DataFrame:
        """Return the count of each value of an item per group (columns: the values)."""
        at, options = self.layout.counts_at(code)
        return pd.DataFrame(self.values[:, at:at + len(options)], columns=list(options), index=self.keys.index)

    @property
    def n(self) -> np.ndarray:
        return self.values[:, 0]


def month_aligned(period: Period) -> bool:
    """Tell whether a period is made of whole local months (the current one may be partial)."""
    whole_end = period.last == month_end(period.last.year, period.last.month) or period.last >= local_today()
    return period.first.day == 1 and whole_end


def grain_for(filters: queries.Filters, by: Sequence[str]) -> str | None:
    """Return the grain that answers a query, or None when only counting responses can."""
    if filters.period is None or not month_aligned(filters.period) or filters.after_id or filters.upto_id is not None:
        return None
    if filters.service_id is not None or "service_id" in by:
        both = filters.channel or "channel" in by or filters.counter_id is not None or "counter_id" in by
        return None if both else "service"
    return "counter"


def sums(code: str, *, unit_ids: Sequence[int], filters: queries.Filters, by: Sequence[str]) -> Sums | None:
    """Sum an instrument's groups of some units under the page filters, grouped by `by`.

    Returns None when the tally cannot answer (see grain_for). Versions of the instrument are
    pooled when they have the newest version's layout.
    """
    grain = grain_for(filters, by)
    if grain is None:
        return None
    store = view()
    layout = Layout.of(instruments.load(code))
    pooled = [i for i, version in store.versions.items() if version == (code, layout)]
    unit_ids = [filters.unit_id] if filters.unit_id is not None else list(unit_ids)
    part = filters.counter_id if grain == "counter" else filters.service_id
    keys, totals = select_groups(store, grain, pooled, unit_ids=unit_ids, filters=filters, part=part, by=list(by),
                                 width=layout.width)
    return Sums(keys, totals, layout)


def dossier_facts(unit_ids: Sequence[int], filters: queries.Filters) -> dict[str, int] | None:
    """Sum the dossier facts (DOSSIER_FACTS, flagged ratings left out unless included) of some units.

    Channel and counter filters do not apply to dossiers; returns None for a period that is not
    whole local months.
    """
    if filters.period is None or not month_aligned(filters.period):
        return None
    keys, totals = select_groups(view(), "dossier", [0], unit_ids=list(unit_ids),
                                 filters=filters.but(channel=None, include_flagged=True),
                                 part=filters.service_id, by=[], width=len(DOSSIER_FACTS))
    facts = dict(zip(DOSSIER_FACTS, (int(v) for v in totals[0]), strict=True)) if len(totals) else dict.fromkeys(DOSSIER_FACTS, 0)
    kept = "" if filters.include_flagged else "_kept"
    facts["dissatisfied"], only = facts[f"dissatisfied{kept}"], facts[f"dissatisfied{kept}_only"]
    facts["bad"] = facts["complaint_or_overdue"] + only
    return {name: facts[name] for name in ("dossiers", "dissatisfied", "complaint", "overdue", "bad", "early",
                                           "same_day", "returned")}


def select_groups(store: Store, grain: str, instrument_ids: Sequence[int], *, unit_ids: list[int],
                  filters: queries.Filters, part: int | None, by: list[str], width: int) -> tuple[pd.DataFrame, np.ndarray]:
    """Sum the stored and waiting groups that meet the filters into groups `by`; return (keys, int64 sums)."""
    months = filters.period.months()
    chosen = []
    for block in store.blocks(grain, instrument_ids):
        frame = block.keys
        keep = frame["unit_id"].isin(unit_ids).to_numpy() & frame["month"].isin(months).to_numpy()
        if filters.channel:
            keep &= (frame["channel"] == filters.channel).to_numpy()
        if not filters.include_flagged:
            keep &= ~frame["suspicious"].to_numpy(dtype=bool)
        if part is not None:
            keep &= (frame["part_id"] == part).to_numpy()
        rows = np.flatnonzero(keep)
        if len(rows):
            chosen.append((block, rows))
    if not chosen:
        return pd.DataFrame(columns=by), np.zeros((0, width), dtype=np.int64)
    selected = pd.concat([pd.DataFrame({name: block.keys[NAMES[name]].to_numpy()[rows] for name in by},
                                       index=range(len(rows))) for block, rows in chosen], ignore_index=True)
    if by:
        grouped = selected.groupby(by, sort=True)
        codes, keys = grouped.ngroup().to_numpy(), grouped.size().index.to_frame(index=False)
    else:
        codes, keys = np.zeros(len(selected), dtype=np.int64), pd.DataFrame(index=range(1))
    # Each chosen row is added to its group by one sparse product: no copy of the rows.
    totals = np.zeros((len(keys), width), dtype=np.int64)
    start = 0
    for block, rows in chosen:
        ones = np.ones(len(rows), dtype=np.int64)
        assign = sparse.csr_matrix((ones, (codes[start:start + len(rows)], rows)), shape=(len(keys), len(block.keys)))
        totals += assign @ block.values
        start += len(rows)
    return keys, totals
