"""Counting responses into groups: read waiting responses, sum them per group of every grain."""

from collections.abc import Sequence

import numpy as np
import pandas as pd
from sqlalchemy import Connection, select

import scoring
from survey.models import ANSWER_SLOTS, Answer, Response, TallyPending
from survey.scores import sql
from survey.scores.tally import units
from survey.scores.tally.layout import GRAINS, KEYS, Block, Layout


def fetch(connection: Connection, ids: Sequence[int]) -> pd.DataFrame:
    """Return these waiting responses with their answers (ids in ascending order)."""
    slots = [Answer.__table__.c[f"v{slot:02d}"] for slot in range(1, ANSWER_SLOTS + 1)]
    statement = (
        select(Response.id, Response.instrument_id, Response.unit_id, Response.counter_id,
               Response.service_id, sql.local_month(connection).label("month"),
               Response.channel, Response.suspicious,
               Response.answered_mask, Response.satisfied_mask, *slots)
        .outerjoin(Answer, Answer.response_id == Response.id)
        .where(among(Response.id, ids, TallyPending.response_id))
    )
    batch = len(ids) > FEW
    if batch:
        statement = statement.where(Response.id.between(ids[0], ids[-1]))
    if batch and connection.dialect.name == "postgresql":
        rows = sql.run_copy(connection, statement)
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
    """Sum responses (rows from `fetch`) into groups of every grain, per instrument version.

    Grain "unit" is summed from the counter groups (survey.scores.tally.units).
    """
    blocks = {}
    for instrument_id, part in rows.groupby("instrument_id", sort=True):
        _, layout = known[int(instrument_id)]
        answers = {slot: pd.to_numeric(part[f"v{slot:02d}"], errors="coerce")
                   .fillna(-1).to_numpy(dtype=np.int64)
                   for _, slot, _ in (*layout.counted, *layout.ticked)}
        masks = (part["answered_mask"].to_numpy(dtype=np.int64),
                 part["satisfied_mask"].to_numpy(dtype=np.int64))
        common = {"unit_id": part["unit_id"].astype("int64").to_numpy(),
                  "month": part["month"].astype(str).to_numpy(),
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
        blocks[units.UNIT, int(instrument_id)] = units.of_counter(blocks["counter", int(instrument_id)])
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
    for _, slot, options in layout.ticked:
        # A multi-choice answer is a bit mask (option v: bit v-1); none or -1 ticks nothing.
        mask = np.where(answers[slot] > 0, answers[slot], 0)
        for option in options:
            values[:, at] = np.bincount(codes, weights=(mask >> (option - 1)) & 1, minlength=size)
            at += 1
        values[:, at] = np.bincount(codes, weights=mask > 0, minlength=size)
        at += 1
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
