"""Each process's copy of the tally: reloads only what later folds changed, adds what still waits."""

import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import cache

import numpy as np
import pandas as pd
from flask import current_app, g, has_request_context
from sqlalchemy import Connection, Engine, func, select

from survey.db import get_engine, reads_replica
from survey.models import Tally, TallyPending, TallyPendingDossier
from survey.scores import sql
from survey.scores.tally.counting import aggregate, fetch
from survey.scores.tally.dossiers import DOSSIER_BLOCK, dossier_changes
from survey.scores.tally.fold import fold, versions
from survey.scores.tally.layout import KEYS, Block, Layout

_lock = threading.Lock()


@dataclass
class Store:
    """One app's copy of the stored tally and of the sums of the responses still pending."""

    generation: int = -1
    rows: int = -1
    stored: dict[tuple[str, int], Block] = field(default_factory=dict)
    #: Ids of the responses and (id, revision) of the dossiers waiting, whose sums `pending` holds.
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
        with (engine.connect().execution_options(isolation_level="REPEATABLE READ") as connection,
              connection.begin()):
            yield connection
    else:
        with engine.connect() as connection, connection.begin():
            yield connection


def view() -> Store:
    """Return this app's tally brought up to date (once per request), from the database the request reads.

    A read never folds (a replica cannot write; no GET writes): the queue is folded after writes
    (`fold_if_waiting`) and by `flask tally` on a timer.
    """
    if has_request_context() and "tally_store" in g:
        return g.tally_store
    replica = reads_replica()
    name = "hailong_tally_replica" if replica else "hailong_tally"
    with _lock:
        store = refresh(get_engine(replica=replica), current_app.extensions.get(name) or Store())
        current_app.extensions[name] = store
    if has_request_context():
        g.tally_store = store
    return store


@cache
def queue_length():
    """Return the statement counting the responses and dossiers waiting in the queue (built once)."""
    responses, dossiers = (select(func.count()).select_from(queue).scalar_subquery()
                           for queue in (TallyPending, TallyPendingDossier))
    return select(responses + dossiers)


def waiting(engine: Engine) -> int:
    """Return how many responses and dossiers wait in the queue (one statement: it follows writes)."""
    with engine.connect() as connection:
        return connection.execute(queue_length()).scalar_one()


def queue_figures(engine: Engine) -> dict[str, tuple[str, int]]:
    """Return the queue's lengths and the tally's newest generation (for /metrics), with their meaning."""
    with snapshot(engine) as connection:
        return {
            "tally_queue_responses": ("Responses waiting to be folded into the tally",
                                      connection.execute(select(func.count()).select_from(TallyPending)).scalar_one()),
            "tally_queue_dossiers": ("Dossiers waiting to be folded into the tally",
                                     connection.execute(select(func.count()).select_from(TallyPendingDossier))
                                     .scalar_one()),
            "tally_generation": ("Newest fold generation stored in the tally",
                                 connection.execute(select(func.coalesce(func.max(Tally.generation), 0)))
                                 .scalar_one()),
        }


def fold_if_waiting(engine: Engine, *, fold_at: int, known: int | None = None) -> int:
    """Fold the queue on the primary when more than `fold_at` wait (`known`: counted already by the
    write); return how many responses were added.
    """
    return fold(engine) if (waiting(engine) if known is None else known) > fold_at else 0


def refresh(engine: Engine, store: Store) -> Store:
    """Return a store that agrees with the database now."""
    with snapshot(engine) as connection:
        known = versions(connection)
        generation, rows = connection.execute(
            select(func.coalesce(func.max(Tally.generation), 0), func.count()).select_from(Tally)
        ).one()
        stored = store.stored
        if (generation, rows) != (store.generation, store.rows):
            fresh = generation < store.generation or store.rows < 0
            stored = load(connection, {} if fresh else stored, 0 if fresh else store.generation)
            if sum(len(block.keys) for block in stored.values()) != rows:
                stored = load(connection, {}, 0)
        pending_ids = (frozenset(connection.execute(select(TallyPending.response_id)).scalars().all()),
                       frozenset(tuple(row) for row in connection.execute(
                           select(TallyPendingDossier.dossier_id, TallyPendingDossier.revision)).all()))
        pending = store.pending
        if pending_ids != store.pending_ids:
            responses, dossiers = sorted(pending_ids[0]), sorted(id_ for id_, _ in pending_ids[1])
            pending = {key: block for key, block in store.pending.items() if key != DOSSIER_BLOCK}
            if pending_ids[0] >= store.pending_ids[0] and generation == store.generation:
                # Only responses have joined the queue: add the new ones to the sums already held.
                arrived = sorted(pending_ids[0] - store.pending_ids[0])
                pending = combine(pending, aggregate(fetch(connection, arrived), known))
            else:
                pending = aggregate(fetch(connection, responses), known) if responses else {}
            # Dossier facts are not additive over parts of a queue (a rating and its dossier may
            # wait in different parts): they are worked out for the whole queue.
            changes = (dossier_changes(connection, responses=responses, dossiers=dossiers)
                       if any(pending_ids) else None)
            if changes is not None:
                pending[DOSSIER_BLOCK] = changes
    return Store(generation, rows, stored, pending_ids, pending, known)


def combine(
    old: dict[tuple[str, int], Block], new: dict[tuple[str, int], Block]
) -> dict[tuple[str, int], Block]:
    """Return the blocks of both (rows of a key side by side: they are summed when read)."""
    result = dict(old)
    for key, block in new.items():
        if key in result:
            block = Block(pd.concat([result[key].keys, block.keys], ignore_index=True),
                          np.concatenate([result[key].values, block.values]))
        result[key] = block
    return result


def load(
    connection: Connection, stored: dict[tuple[str, int], Block], after: int
) -> dict[tuple[str, int], Block]:
    """Return stored blocks with the rows changed after generation `after` read in (all rows for 0)."""
    result = dict(stored) if after else {}
    statement = select(Tally.id, Tally.grain, Tally.instrument_id, *(getattr(Tally, k) for k in KEYS),
                       Tally.sums)
    if after:
        statement = statement.where(Tally.generation > after)
    frame = sql.run(connection, statement.order_by(Tally.id))
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
