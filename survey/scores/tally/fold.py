"""Folding: add waiting responses and dossiers to the stored groups, exactly once, one fold at a time."""

import itertools
from dataclasses import dataclass

import numpy as np
import pandas as pd
from sqlalchemy import Connection, Engine, bindparam, delete, func, insert, select, update
from sqlmodel import col

from survey.db import writing
from survey.instruments.catalogue import definition
from survey.models import (
    Dossier,
    Instrument,
    Response,
    Tally,
    TallyPending,
    TallyPendingDossier,
    TallyUnready,
)
from survey.scores.tally import units
from survey.scores.tally.counting import aggregate, fetch
from survey.scores.tally.dossiers import DOSSIER_BLOCK, DOSSIER_FACTS, dossier_changes
from survey.scores.tally.layout import Block, Layout, decode, encode

#: Responses folded per transaction.
FOLD_BATCH = 250_000

#: Units summed per query when deriving grain "unit" from stored rows.
DERIVE_CHUNK = 200

#: PostgreSQL advisory lock that lets one fold run at a time, with the schema's hash as its second
#: key: advisory locks are held per database, and each schema (a test worker's) has its own tally.
FOLD_LOCK = 0x74616C6C


@dataclass(frozen=True)
class Folded:
    """What a fold added to the tally: responses, and dossiers whose facts (new or changed) it counted."""

    responses: int = 0
    dossiers: int = 0


def fold(engine: Engine, *, batch: int = FOLD_BATCH, floor: int = 0, batches: int | None = None,
         wait: bool = True) -> Folded:
    """Add every waiting response and dossier to the tally, a batch per transaction (at most
    `batches` of them: what arrives meanwhile could otherwise keep a fold going under steady load).

    Generations stay above `floor` (a rebuild passes the newest before it). `wait` False: when
    another fold runs, stop instead of waiting for it (PostgreSQL). Return how many responses and
    dossiers were added.
    """
    responses = dossiers = 0
    for _ in itertools.count() if batches is None else range(batches):
        with writing(), engine.begin() as connection:
            if not lock(connection, wait=wait):
                return Folded(responses, dossiers)
            ids = connection.execute(
                select(TallyPending.response_id).order_by(TallyPending.response_id).limit(batch)
            ).scalars().all()
            dossier_ids = connection.execute(
                select(TallyPendingDossier.dossier_id).order_by(TallyPendingDossier.dossier_id).limit(batch)
            ).scalars().all()
            if not ids and not dossier_ids:
                return Folded(responses, dossiers)
            blocks = aggregate(fetch(connection, ids), versions(connection)) if ids else {}
            changes = dossier_changes(connection, responses=ids, dossiers=dossier_ids)
            if changes is not None:
                blocks[DOSSIER_BLOCK] = changes
            write(connection, blocks, max(next_generation(connection), floor + 1))
            for queue, column, done in ((TallyPending, TallyPending.response_id, ids),
                                        (TallyPendingDossier, TallyPendingDossier.dossier_id, dossier_ids)):
                for start in range(0, len(done), 5_000):
                    connection.execute(delete(queue).where(column.in_(done[start:start + 5_000])))
            responses += len(ids)
            dossiers += len(dossier_ids)
    return Folded(responses, dossiers)


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


def lock(connection: Connection, *, wait: bool = True) -> bool:
    """Wait until no other fold runs, or with `wait` False only take the lock when free; tell whether
    this transaction holds it (PostgreSQL; SQLite has one writer at a time anyway).
    """
    if connection.dialect.name != "postgresql":
        return True
    key = (FOLD_LOCK, func.hashtext(func.current_schema()))
    if not wait:
        return bool(connection.execute(select(func.pg_try_advisory_xact_lock(*key))).scalar())
    connection.execute(select(func.pg_advisory_xact_lock(*key)))
    return True


def hold_folds(connection: Connection) -> None:
    """Keep folds out until this transaction ends: call before changing the facts of stored dossiers.

    A fold reads a queued dossier's facts and then empties its queue row; a change committed in
    between would be lost. Writers of dossier facts take the fold's lock first (PostgreSQL; SQLite
    writers are alone anyway), so a fold sees each change whole, before or after.
    """
    lock(connection)


def write(connection: Connection, blocks: dict[tuple[str, int], Block], generation: int) -> None:
    """Add blocks to the stored groups (new groups are inserted), marking them with `generation`."""
    for (grain, instrument_id), block in blocks.items():
        stored = connection.execute(
            select(Tally.id, Tally.unit_id, Tally.part_id, Tally.month, Tally.channel, Tally.suspicious,
                   Tally.sums)
            .where(Tally.grain == grain, Tally.instrument_id == instrument_id,
                   Tally.unit_id.in_(sorted(set(block.keys["unit_id"].tolist()))),
                   Tally.month.in_(sorted(set(block.keys["month"].tolist()))))
        ).all()
        known = {(r.unit_id, r.part_id, r.month, r.channel, bool(r.suspicious)): (r.id, r.sums)
                 for r in stored}
        updates, inserts = [], []
        for key, vector in zip(block.keys.itertuples(index=False, name=None), block.values, strict=True):
            key = (int(key[0]), int(key[1]), key[2], key[3], bool(key[4]))
            if key in known:
                row_id, sums = known[key]
                updates.append({"row_id": row_id, "new_sums": encode(decode(sums, len(vector)) + vector),
                                "new_generation": generation})
            else:
                inserts.append({"grain": grain, "instrument_id": instrument_id,
                                "unit_id": key[0], "part_id": key[1], "month": key[2], "channel": key[3],
                                "suspicious": key[4], "sums": encode(vector), "generation": generation})
        if updates:
            connection.execute(
                update(Tally).where(Tally.id == bindparam("row_id"))
                .values(sums=bindparam("new_sums"), generation=bindparam("new_generation")),
                updates,
            )
        if inserts:
            connection.execute(insert(Tally), inserts)


def versions(connection: Connection) -> dict[int, tuple[str, Layout]]:
    """Return the code and layout of every stored instrument version."""
    rows = connection.execute(select(Instrument.id, Instrument.code, Instrument.definition)).all()
    return {row.id: (row.code, Layout.of(definition(row.id, row.definition))) for row in rows}


def widths(connection: Connection) -> dict[int, int]:
    """Return how many sums a stored row holds, per instrument version (0: the dossier grain's)."""
    return {DOSSIER_BLOCK[1]: len(DOSSIER_FACTS),
            **{instrument_id: layout.width for instrument_id, (_, layout) in versions(connection).items()}}


def rebuild(engine: Engine) -> Folded:
    """Count every response and dossier again from scratch; return how many.

    The new rows' generations continue above the old ones, so readers see that every row changed.
    """
    with writing(), engine.begin() as connection:
        floor = connection.execute(select(func.max(Tally.generation))).scalar() or 0
        connection.execute(delete(Tally))
        connection.execute(delete(TallyUnready))  # every grain is counted anew below
        connection.execute(delete(TallyPending))
        connection.execute(delete(TallyPendingDossier))
        connection.execute(insert(TallyPending).from_select(["response_id"], select(Response.id)))
        connection.execute(insert(TallyPendingDossier).from_select(["dossier_id"], select(Dossier.id)))
    return fold(engine, floor=floor)


def derive(engine: Engine) -> int:
    """Build grain "unit" (survey.scores.tally.units) from the stored counter groups; return its rows.

    For a database whose counter groups predate the grain: no response is read again. One
    transaction under the fold's lock (no fold adds to either grain meanwhile); the rows carry a
    new generation (readers drop nothing else) and the mark in tally_unready goes in the same commit.
    """
    with writing(), engine.begin() as connection:
        lock(connection)
        generation = next_generation(connection)
        connection.execute(delete(Tally).where(Tally.grain == units.UNIT))
        stored = connection.execute(select(Tally.unit_id).where(Tally.grain == "counter").distinct()
                                   .order_by(Tally.unit_id)).scalars().all()
        sizes = widths(connection)
        written = 0
        for start in range(0, len(stored), DERIVE_CHUNK):
            rows = connection.execute(
                select(Tally.instrument_id, Tally.unit_id, Tally.month, Tally.suspicious, Tally.sums)
                .where(Tally.grain == "counter", Tally.unit_id.in_(stored[start:start + DERIVE_CHUNK]))
            ).all()
            sums: dict[tuple[int, int, str, bool], np.ndarray] = {}
            for row in rows:
                key = (int(row[0]), int(row[1]), row[2], bool(row[3]))
                vector = decode(row[4], sizes[int(row[0])])
                sums[key] = sums[key] + vector if key in sums else vector
            if sums:
                connection.execute(insert(Tally), [
                    {"grain": units.UNIT, "instrument_id": key[0], "unit_id": key[1], "part_id": 0,
                     "month": key[2], "channel": "", "suspicious": key[3], "sums": encode(vector),
                     "generation": generation}
                    for key, vector in sums.items()])
                written += len(sums)
        connection.execute(delete(TallyUnready).where(col(TallyUnready.grain) == units.UNIT))
    return written
