"""SIPAS moments of every leaf unit per local month, channel and flag, cached and updated by addition.

A page over a month-aligned period without a service or counter filter adds up groups of this
cube instead of counting a million responses again. New responses (ids above the cube's newest)
are counted and added on the next request; a changed number of flagged responses, or age, makes
a full rebuild (that also catches responses committed out of id order).
"""

import threading
import time
from dataclasses import dataclass

import numpy as np
import pandas as pd
from flask import current_app
from sqlmodel import Session

import scoring
from survey import queries
from survey.cache import data_version
from survey.periods import Period, local_today, month_end

#: Grouping of the cube; pages keep or sum these.
GROUPS = ("unit_id", "month", "channel", "suspicious")
#: Seconds after which the cube is rebuilt from scratch.
MAX_AGE = 3600
_lock = threading.Lock()


@dataclass(frozen=True)
class Cube:
    moments: scoring.Moments
    #: Newest response id counted, and the flagged count the cube was built with.
    last_id: int
    flagged: int
    built: float


def month_aligned(period: Period) -> bool:
    """Tell whether a period is made of whole local months (the current one may be partial)."""
    whole_end = period.last == month_end(period.last.year, period.last.month) or period.last >= local_today()
    return period.first.day == 1 and whole_end


def count(session: Session, structure: scoring.Structure, instruments: list[int], after: int, upto: int) -> scoring.Moments:
    """Count responses with after < id <= upto into moments grouped by GROUPS."""
    filters = queries.Filters(None, after_id=after, upto_id=upto)
    histogram = queries.pattern_histogram(session, path="/", filters=filters, instruments=instruments, by=GROUPS)
    if histogram.empty:
        m = 2 * len(structure.items)
        empty = pd.MultiIndex.from_arrays([[] for _ in GROUPS], names=list(GROUPS))
        return scoring.Moments(empty, structure.codes, np.zeros(0), np.zeros((0, m)), np.zeros((0, m, m)))
    histogram["suspicious"] = histogram["suspicious"].astype(bool)
    return scoring.moments_from_patterns(histogram, by=list(GROUPS), structure=structure)


def current(session: Session, structure: scoring.Structure, instruments: list[int]) -> Cube:
    """Return this app's cube, brought up to date with the database."""
    newest, flagged, _ = data_version(session)
    with _lock:
        cube = current_app.extensions.get("hailong_cube")
        stale = cube is None or cube.flagged != flagged or newest < cube.last_id
        if stale or time.monotonic() - cube.built > MAX_AGE or cube.moments.items != structure.codes:
            cube = Cube(count(session, structure, instruments, 0, newest), newest, flagged, time.monotonic())
        elif newest > cube.last_id:
            added = count(session, structure, instruments, cube.last_id, newest)
            cube = Cube(cube.moments + added, newest, flagged, cube.built)
        current_app.extensions["hailong_cube"] = cube
    return cube


def pick(cube: Cube, *, unit_ids, months: list[str], channel: str | None, include_flagged: bool, by: list[str]) -> scoring.Moments:
    """Sum the cube's groups of some units, months, a channel and flags into groups `by`."""
    moments = cube.moments
    frame = moments.index.to_frame(index=False)
    keep = frame["unit_id"].isin(list(unit_ids)).to_numpy() & frame["month"].isin(months).to_numpy()
    if channel:
        keep &= (frame["channel"] == channel).to_numpy()
    if not include_flagged:
        keep &= ~frame["suspicious"].astype(bool).to_numpy()
    rows = np.flatnonzero(keep)
    subset = scoring.Moments(moments.index[rows], moments.items, moments.n[rows], moments.totals[rows], moments.cross[rows])
    return subset.regroup(by)
