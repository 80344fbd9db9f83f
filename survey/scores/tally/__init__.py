"""The tally: additive sums of every response per group, stored in the database, updated by addition.

Scores need no respondent, only sums: respondents, the count of each answer of each item, and for
the rated items the moments of scoring (item totals and cross-products). These add, so the
`tally` table keeps them per group in three grains, and the QĐ 766 facts of dossiers in a fourth:

- "counter": unit, counter, local month, channel, flag;
- "service": unit, service, local month, flag (no channel);
- "unit": unit, local month, flag, the sum of the unit's counter groups (see `units`): what pages
  without a counter, service or channel filter read, one row per unit and month;
- "dossier": unit, service, local month of reception (see `dossiers`).

Every inserted response and dossier waits in a queue (`tally_pending`, `tally_pending_dossier`;
database triggers put them there, whoever inserts them) until a fold adds it to its groups and
deletes it from the queue in one transaction, so it is counted exactly once however commits
interleave. Readers read the stored groups of their scope only, keep them in a cache bounded by
bytes, drop what a later fold changed, and add what is still queued: pages stay exact at every
moment. A fold runs on the primary, never on a read:
after a write request when more than TALLY_FOLD_AT rows wait (`fold_if_waiting`: one batch, the
oldest first), and with `flask tally` (a timer in production: everything).

The modules, in the order a response travels through them:

- `layout`: where each sum sits in a group's vector; blocks of groups; the stored encoding;
- `counting`: read waiting responses and sum them into groups of every grain;
- `units`: the unit grain summed from counter groups, and whether it is derived yet;
- `dossiers`: how the dossier facts of touched dossiers change (rules in survey.scores.dossier_rules);
- `fold`: add the sums to the stored rows under a lock, and empty the queue; rebuild; derive the unit grain;
- `cells`: the stored groups of the units and months a page asks for, read and cached by bytes;
- `store`: each process's cells and sums of the queue, brought up to date once per request;
- `answers`: sum the groups a page asks for, or return None when the tally cannot answer.

Only survey.scores.counts asks `answers`; it counts live in SQL when the answer is None.
"""

from survey.scores.tally.answers import (
    Sums,
    dossier_groups,
    grain_for,
    month_aligned,
    respondent_groups,
    respondents,
    sums,
)
from survey.scores.tally.cells import Cells
from survey.scores.tally.fold import Folded, add_inserted, derive, fold, hold_folds, rebuild, widths
from survey.scores.tally.layout import GRAINS, Block, Layout, decode, encode
from survey.scores.tally.store import (
    Store,
    close_reading,
    fold_if_waiting,
    queue_figures,
    reading,
    refresh,
    view,
)

__all__ = [
    "GRAINS", "Block", "Cells", "Folded", "Layout", "Store", "Sums", "add_inserted", "close_reading",
    "decode", "derive", "dossier_groups", "encode", "fold", "fold_if_waiting", "grain_for", "hold_folds",
    "month_aligned", "queue_figures", "reading", "rebuild", "refresh", "respondent_groups", "respondents",
    "sums", "view", "widths",
]
