"""The derived grain "unit": one group per unit, local month and flag, the sum of its counter groups.

Pages whose filters name no counter, service or channel (the overview, unit pages, the flagged
toggle) need no finer group: they read one row per unit and month instead of counters ×
channels. The groups are summed from the counter groups of the same responses, so they hold
every response once, like the other grains:

- a fold sums them from the counter block it has just counted (`of_counter`) and writes them in
  the same transaction; the queue's sums are derived the same way for reads;
- a database that held counter groups before this grain existed is marked in `tally_unready`
  (by its migration) until `fold.derive` (`flask tally --derive`) builds the unit rows from the
  stored counter rows, without reading responses again, or a rebuild counts everything anew;
  readers use the counter grain while the mark stands (`ready`).
"""

import numpy as np
import pandas as pd
from sqlalchemy import Connection, func, select
from sqlmodel import col

from survey.models import TallyUnready
from survey.scores.tally.layout import KEYS, Block

UNIT = "unit"


def of_counter(block: Block) -> Block:
    """Return the unit groups (part 0, channel "") summing a block of counter groups."""
    keys = block.keys
    grouped = keys.groupby(["unit_id", "month", "suspicious"], sort=True)
    codes = grouped.ngroup().to_numpy()
    groups = grouped.size().index.to_frame(index=False)
    order = np.argsort(codes, kind="stable")
    starts = np.flatnonzero(np.r_[True, np.diff(codes[order]) != 0]) if len(codes) else np.zeros(0, int)
    values = (np.add.reduceat(np.asarray(block.values, dtype=np.int64)[order], starts, axis=0)
              if len(codes) else np.zeros((0, block.values.shape[1]), dtype=np.int64))
    frame = pd.DataFrame({"unit_id": groups["unit_id"].astype("int64").to_numpy(),
                          "part_id": np.zeros(len(groups), dtype=np.int64),
                          "month": groups["month"].to_numpy(), "channel": "",
                          "suspicious": groups["suspicious"].astype(bool).to_numpy()})
    return Block(frame[list(KEYS)], values)


def ready(connection: Connection) -> bool:
    """Tell whether the stored unit groups agree with the counter groups (no mark in tally_unready)."""
    marked = select(func.count()).select_from(TallyUnready).where(col(TallyUnready.grain) == UNIT)
    return not connection.execute(marked).scalar_one()
