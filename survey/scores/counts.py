"""Counts of a unit subtree: summed from the tally where it can answer, counted live in SQL where not.

The one place that chooses between the two: the score service and the sections ask here and
never read the tally (survey.scores.tally) or the live queries (survey.scores.live) themselves.
The tally answers periods of whole local months under any filter but a service together with a
channel or counter; everything else is counted with one GROUP BY. Both ways give the same
numbers (tests/test_tally.py compares them under every filter).
"""

from collections.abc import Sequence

import pandas as pd
from sqlmodel import Session

import scoring
from survey import instruments
from survey.core.responses import allowed_values
from survey.models import Unit
from survey.scores import dossier_rules, live, tally
from survey.scores.filters import Filters


def moments(session: Session, code: str, units: list[Unit], filters: Filters, *, by: Sequence[str],
            structure: scoring.Structure) -> scoring.Moments:
    """Return the respondent moments of an instrument over a subtree (root first), per leaf group `by`."""
    summed = tally.sums(code, unit_ids=[u.id for u in units], filters=filters, by=list(by))
    if summed is not None:
        return summed.moments(structure.codes)
    histogram = live.pattern_histogram(session, path=units[0].path, filters=filters,
                                       instruments=live.instrument_ids(session, code), by=by)
    return scoring.moments_from_patterns(histogram, by=list(by), structure=structure)


def value_counts(session: Session, code: str, units: list[Unit], filters: Filters,
                 item: instruments.Item) -> dict[int, int]:
    """Count each answer value of one item over a subtree (root first), every version of the instrument."""
    summed = tally.sums(code, unit_ids=[u.id for u in units], filters=filters, by=[])
    if summed is not None:
        counts = summed.counts(item.code).sum()
        return {int(value): int(count) for value, count in counts.items() if count}
    values = sorted(allowed_values(instruments.load(code), item))
    frames = [live.level_counts(session, path=units[0].path, filters=filters, instrument=version,
                                slot=item.slot, levels=values)
              for version in live.instrument_ids(session, code)]
    counts = pd.concat(frames) if frames else pd.DataFrame()
    totals = {v: int(counts[f"level_{v}"].sum()) for v in values} if len(counts) else {}
    return {v: count for v, count in totals.items() if count}


def unit_value_counts(session: Session, code: str, units: list[Unit], filters: Filters,
                      item: instruments.Item) -> pd.DataFrame:
    """Count each answer value of one item per unit of a subtree (root first): index unit_id, a column
    per value (every value of the item, zeros included), units without answers left out.
    """
    values = sorted(allowed_values(instruments.load(code), item))
    summed = tally.sums(code, unit_ids=[u.id for u in units], filters=filters, by=["unit_id"])
    if summed is not None:
        frame = summed.counts(item.code).set_axis(summed.keys["unit_id"].astype("int64").to_numpy())
    else:
        frames = [live.level_counts(session, path=units[0].path, filters=filters, instrument=version,
                                    slot=item.slot, levels=values)
                  for version in live.instrument_ids(session, code)]
        frames = [f for f in frames if len(f)]
        if not frames:
            return pd.DataFrame(columns=values, dtype="int64")
        columns = [f"level_{v}" for v in values]
        frame = (pd.concat(frames).astype({"unit_id": "int64"}).groupby("unit_id")[columns].sum()
                 .rename(columns=lambda name: int(name.removeprefix("level_"))))
    frame = frame.groupby(level=0).sum().reindex(columns=values, fill_value=0).astype("int64")
    return frame[frame.sum(axis=1) > 0].rename_axis("unit_id")


def option_counts(session: Session, code: str, units: list[Unit], filters: Filters,
                  item: instruments.Item) -> tuple[dict[int, int], int]:
    """Count each ticked option of a multi-choice item over a subtree, and the responses that ticked any.

    From the tally where it answers (as value_counts), else live.
    """
    values = [option.value for option in item.options]
    totals, answered = dict.fromkeys(values, 0), 0
    summed = tally.sums(code, unit_ids=[u.id for u in units], filters=filters, by=[])
    if summed is not None:
        at, options = summed.layout.options_at(item.code)
        column = summed.values[:, at:at + len(options) + 1].sum(axis=0)
        ticked = dict(zip(options, (int(n) for n in column[:-1]), strict=True))
        return {value: ticked.get(value, 0) for value in values}, int(column[-1])
    for version in live.instrument_ids(session, code):
        frame = live.option_counts(session, path=units[0].path, filters=filters, instrument=version,
                                   slot=item.slot, options=values)
        if len(frame):
            row = frame.iloc[0]
            answered += int(row["answered"] or 0)
            for value in values:
                totals[value] += int(row[f"option_{value}"] or 0)
    return totals, answered


def dossier_facts(session: Session, units: list[Unit], filters: Filters) -> dict[str, int]:
    """Sum the facts (dossier_rules.FACTS) of a subtree's dossiers; {} when it has none.

    Flagged ratings count unless the filters leave them out.
    """
    facts = dossier_fact_groups(session, units, filters, [])
    totals = {name: int(facts[name].sum()) for name in dossier_rules.FACTS}
    return totals if totals["dossiers"] else {}


def channel_counts(session: Session, units: list[Unit], filters: Filters) -> dict[str, int]:
    """Count the responses of every instrument per channel over a subtree.

    The channel filter does not apply.
    """
    filters = filters.but(channel=None)
    codes = instruments.available()
    unit_ids = [u.id for u in units]
    # Only each group's respondents are read (its first sum), not the whole vectors of the counter grain.
    found = [tally.respondent_groups(code, unit_ids=unit_ids, filters=filters, by=["channel"])
             for code in codes]
    counts: dict[str, int] = {}
    for groups in found:
        if groups is None:  # the tally answers every instrument or none (the filters decide)
            versions = [version for code in codes for version in live.instrument_ids(session, code)]
            frame = live.channel_counts(session, path=units[0].path, filters=filters, instruments=versions)
            return {row.channel: int(row.n) for row in frame.itertuples() if row.n}
        for channel, n in zip(groups["channel"], groups["n"], strict=True):
            counts[channel] = counts.get(channel, 0) + int(n)
    return {channel: n for channel, n in counts.items() if n}


def response_count(session: Session, units: list[Unit], filters: Filters) -> int:
    """Count the responses of every instrument over a subtree, whatever their channel.

    The tally answers a service filter here (no split by channel is asked) and reads only the
    respondents of each group, so rates per procedure need no live count.
    """
    filters = filters.but(channel=None)
    unit_ids = [u.id for u in units]
    found = [tally.respondents(code, unit_ids=unit_ids, filters=filters) for code in instruments.available()]
    if all(n is not None for n in found):
        return sum(n for n in found if n is not None)
    return sum(channel_counts(session, units, filters).values())


def response_counts(session: Session, units: list[Unit], filters: Filters, by: Sequence[str]) -> pd.DataFrame:
    """Count the responses of every instrument over a subtree per group `by` (unit_id, month,
    service_id; not empty), whatever their channel: columns `by` and n.

    One read of the tally's groups (respondents only) per instrument, or one live GROUP BY.
    """
    filters, by = filters.but(channel=None), list(by)
    unit_ids = [u.id for u in units]
    codes = instruments.available()
    found = [tally.respondent_groups(code, unit_ids=unit_ids, filters=filters, by=by) for code in codes]
    frames = [frame for frame in found if frame is not None]
    if len(frames) < len(found):  # the tally answers every instrument or none (the filters decide)
        versions = [version for code in codes for version in live.instrument_ids(session, code)]
        frames = [live.response_counts(session, path=units[0].path, filters=filters, instruments=versions,
                                       by=by)]
    return grouped(pd.concat(frames, ignore_index=True), by, ["n"])


def dossier_fact_groups(session: Session, units: list[Unit], filters: Filters,
                        by: Sequence[str]) -> pd.DataFrame:
    """Sum the facts (dossier_rules.FACTS) of a subtree's dossiers per group `by` (unit_id, month of
    reception, service_id; none: one row, zeros included): columns `by` and the facts. One read of
    the tally or one live GROUP BY.
    """
    by = list(by)
    frame = tally.dossier_groups([u.id for u in units], filters, by)
    if frame is None:
        ratings = dossier_rules.ratings(session.connection())
        frame = live.dossier_facts(session, path=units[0].path, filters=filters, ratings=ratings, by=by)
    facts = list(dossier_rules.FACTS)
    if not by:
        return pd.DataFrame({name: [int(pd.to_numeric(frame[name]).fillna(0).sum())] for name in facts})
    return grouped(frame, by, facts)


def grouped(frame: pd.DataFrame, by: list[str], sums: list[str]) -> pd.DataFrame:
    """Sum columns `sums` per group `by` in one key type (ids int64, 0 for none; months text)."""
    keys = {name: (frame[name].astype(str) if name == "month"
                   else pd.to_numeric(frame[name], errors="coerce").fillna(0).astype("int64")) for name in by}
    values = {name: pd.to_numeric(frame[name]).fillna(0).astype("int64") for name in sums}
    return pd.DataFrame(keys | values).groupby(by, as_index=False, sort=True)[sums].sum()
