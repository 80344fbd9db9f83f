"""Each process's tally: the cells of stored groups it has read, and the sums of what still waits.

Pages read the stored groups of their own scope only (`cells`); the queue of waiting responses and
dossiers, which folds keep short, is read whole and summed here.
"""

import threading
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from functools import cache

import numpy as np
import pandas as pd
from flask import current_app, g, has_request_context
from sqlalchemy import Connection, Engine, func, select

from survey.db import get_engine, reads_replica
from survey.models import Tally, TallyPending, TallyPendingDossier
from survey.scores.tally.cells import Assembled, Cells, generations
from survey.scores.tally.counting import aggregate, fetch
from survey.scores.tally.dossiers import DOSSIER_BLOCK, dossier_changes
from survey.scores.tally.fold import Folded, fold, versions
from survey.scores.tally.layout import Block, Layout
from survey.scores.tally.units import ready

_lock = threading.Lock()

#: Bytes of cells a process keeps when the app sets no TALLY_CACHE_MB.
DEFAULT_CACHE_MB = 128


@dataclass
class Store:
    """One app's cells of the stored tally and the sums of the responses still pending."""

    generation: int = -1
    cells: Cells = field(default_factory=lambda: Cells(DEFAULT_CACHE_MB << 20))
    #: Ids of the responses and (id, revision) of the dossiers waiting, whose sums `pending` holds.
    pending_ids: tuple[frozenset, frozenset] = (frozenset(), frozenset())
    pending: dict[tuple[str, int], Block] = field(default_factory=dict)
    #: Code and layout of every stored instrument version.
    versions: dict[int, tuple[str, Layout]] = field(default_factory=dict)
    #: The stored unit groups agree with the counter groups (see survey.scores.tally.units).
    unit_ready: bool = False

    def grain(self, wanted: str) -> str:
        """Return the grain to read for `wanted`: the counter grain while the unit grain is not derived."""
        return "counter" if wanted == "unit" and not self.unit_ready else wanted

    def waiting(self, grain: str, instrument_ids: list[int]) -> Iterator[Block]:
        """Yield the sums of waiting responses (or dossiers) of a grain and some instrument versions."""
        for instrument_id in instrument_ids:
            block = self.pending.get((grain, instrument_id))
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


@contextmanager
def reading() -> Iterator[tuple[Store, Connection]]:
    """Yield this app's tally, up to date, and a connection of the same moment to read its cells with.

    A request that only reads (the score pages, exports and the scores API: `read_from_replica`)
    opens one snapshot at its first read and keeps it to its end (`close_reading`): every
    section of a page reads the same moment of the tally, and the queue and the newest fold are
    looked up once. Elsewhere each read opens its own snapshot; a later read in the request only
    checks that no fold came in between (one indexed lookup) and catches up when one did. A read
    never folds (a replica cannot write; no GET writes): the queue is folded after writes
    (`fold_if_waiting`) and by `flask tally` on a timer.
    """
    replica = reads_replica()
    if replica:
        held = g.get("tally_reading")
        if held is None:
            stack = ExitStack()
            try:
                connection = stack.enter_context(snapshot(get_engine(replica=True)))
                held = g.tally_reading = (updated(connection), connection, stack)
            except BaseException:
                stack.close()
                raise
        try:
            yield held[0], held[1]
        except BaseException:
            close_reading()  # a failed statement leaves the snapshot unusable: the next read opens another
            raise
        return
    with snapshot(get_engine(replica=False)) as connection:
        held = g.get("tally_store") if has_request_context() else None
        if held is not None and generations(connection)[0] == held.generation:
            yield held, connection
            return
        store = updated(connection)
        if has_request_context():
            g.tally_store = store
        yield store, connection


def updated(connection: Connection) -> Store:
    """Return this app's tally brought up to date as `connection` sees the database (and keep it)."""
    name = "hailong_tally_replica" if reads_replica() else "hailong_tally"
    with _lock:
        base = current_app.extensions.get(name) or Store(cells=Cells(cache_bytes()))
        store = refresh(connection, base)
        current_app.extensions[name] = store
    return store


def assembled() -> Assembled | None:
    """Return the blocks this request has assembled (up to a quarter of TALLY_CACHE_MB; None outside one)."""
    if not has_request_context():
        return None
    if "tally_assembled" not in g:
        g.tally_assembled = Assembled(cache_bytes() // 4)
    return g.tally_assembled


def close_reading(_: BaseException | None = None) -> None:
    """End the snapshot a read-only request kept for its reads of the tally, if any (at its teardown)."""
    g.pop("tally_assembled", None)
    held = g.pop("tally_reading", None)
    if held is not None:
        held[2].close()


def view() -> Store:
    """Return this app's tally brought up to date (the queue's sums; cells are read per scope)."""
    with reading() as (store, _):
        return store


def cache_bytes() -> int:
    """Return the bytes of cells a process may keep (TALLY_CACHE_MB)."""
    return int(float(current_app.config.get("TALLY_CACHE_MB", DEFAULT_CACHE_MB)) * (1 << 20))


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


#: Responses a fold after a write adds at most (about 2 s of a worker's time): one batch, the oldest
#: first. Under steady submissions a fold that went on until the queue was empty never ended, and
#: the server killed its worker (gunicorn's 30 s timeout); a longer queue is folded a batch per write.
AFTER_WRITE_BATCH = 10_000


def fold_if_waiting(engine: Engine, *, fold_at: int, known: int | None = None,
                    batch: int = AFTER_WRITE_BATCH) -> Folded:
    """Fold one batch of the queue on the primary when more than `fold_at` wait (`known`: counted
    already by the write) and no other fold runs (a worker does not wait for another's); return how
    many responses and dossiers were added.
    """
    if (waiting(engine) if known is None else known) <= fold_at:
        return Folded()
    return fold(engine, batch=batch, batches=1, wait=False)  # a fold running already takes them


def refresh(connection: Connection, store: Store) -> Store:
    """Return a store that agrees with the database as `connection` sees it (cells synced, queue summed)."""
    known = versions(connection)
    generation, oldest = generations(connection)
    store.cells.sync(connection, generation, oldest)
    pending_ids = (frozenset(connection.execute(select(TallyPending.response_id)).scalars().all()),
                   frozenset(tuple(row) for row in connection.execute(
                       select(TallyPendingDossier.dossier_id, TallyPendingDossier.revision)).all()))
    pending = store.pending
    if pending_ids != store.pending_ids or generation != store.generation:
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
    return Store(generation, store.cells, pending_ids, pending, known, ready(connection))


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
