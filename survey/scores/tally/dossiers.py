"""Dossier facts in the tally (grain "dossier"): how a fold changes the QĐ 766 sums of touched dossiers.

The facts themselves are survey.scores.dossier_rules, the same rules the live count uses.
"""

from collections.abc import Sequence

import numpy as np
import pandas as pd
from sqlalchemy import Connection, or_, select

from survey.models import COUNTED_FACTS, Answer, Dossier, Response, TallyPending, TallyPendingDossier
from survey.periods import LOCAL_OFFSET
from survey.scores import dossier_rules, sql
from survey.scores.tally.counting import FEW, among
from survey.scores.tally.layout import KEYS, Block

#: Sums of grain "dossier": the facts of dossier_rules with ratings flagged or not, then whether
#: kept (unflagged) ratings alone found the dossier dissatisfied, and bad with those alone.
DOSSIER_FACTS = (*dossier_rules.FACTS, "dissatisfied_kept", "bad_kept")
DOSSIER_BLOCK = ("dossier", 0)


def dossier_changes(
    connection: Connection, *, responses: Sequence[int], dossiers: Sequence[int]
) -> Block | None:
    """Sum how dossier facts change when these waiting responses and dossiers are counted.

    A dossier's facts count once it is counted; its ratings count once they are. Each touched
    dossier's facts are worked out before and after, so the change is exact in any order of arrival
    (a rating before its dossier, two versions rating one dossier, a flagged rating). A dossier
    queued again because its facts changed is held with the facts the tally counted (its queued
    old_… columns) until it is counted again: the change takes those away and adds the new ones,
    in their own groups when its unit, service or month of reception changed.
    """
    ratings = dossier_rules.ratings(connection)
    rated = (select(Response.dossier_hash)
             .where(among(Response.id, responses, TallyPending.response_id),
                    Response.dossier_hash.is_not(None), Response.instrument_id.in_(list(ratings))))
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
    queued = TallyPendingDossier
    facts = sql.run(connection, select(
        Dossier.id, Dossier.unit_id, Dossier.service_id, Dossier.dossier_hash,
        Dossier.received_at, Dossier.created_at, Dossier.due_at, Dossier.returned_at, Dossier.complaint,
        queued.dossier_id.is_not(None).label("waiting"), queued.counted,
        *(getattr(queued, f"old_{fact}") for fact in COUNTED_FACTS),
    ).outerjoin(queued, queued.dossier_id == Dossier.id).where(touched))
    if not len(facts):
        return None
    waiting = truthy(facts["waiting"])
    changed = waiting & truthy(facts["counted"])
    counting_now = facts["id"].isin(list(dossiers)).to_numpy()
    counted_before = ~waiting | changed
    counted_after = counted_before | counting_now
    # The facts the tally holds (a changed dossier's old ones), and those it holds after this fold.
    held = facts[["created_at", "dossier_hash"]].copy()
    next_held = held.copy()
    for fact in COUNTED_FACTS:
        new, old = typed(facts[fact], fact), typed(facts[f"old_{fact}"], fact)
        held[fact] = new.where(~changed, old)
        next_held[fact] = held[fact].where(~counting_now, new)
    found: dict[str, set[str]] = {"before": set(), "after": set(), "kept before": set(), "kept after": set()}
    counting = set(responses)
    if ratings:
        slots = sorted({slot for slot, _ in ratings.values()})
        frame = sql.run(connection, select(
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
            was = not row.waiting
            for state, counted in (("before", was), ("after", was or row.id in counting)):
                if counted:
                    found[state].add(row.dossier_hash)
                    if not row.suspicious:
                        found[f"kept {state}"].add(row.dossier_hash)
    before = dossier_vectors(held, found["before"], found["kept before"]) * counted_before[:, None]
    after = dossier_vectors(next_held, found["after"], found["kept after"]) * counted_after[:, None]
    keys = pd.concat([group_keys(next_held), group_keys(held)], ignore_index=True)
    grouped = keys.groupby(list(KEYS), sort=True)
    codes = grouped.ngroup().to_numpy()
    change = np.zeros((grouped.ngroups, len(DOSSIER_FACTS)), dtype=np.int64)
    np.add.at(change, codes, np.concatenate([after, -before]))
    return Block(grouped.size().index.to_frame(index=False), change)


def truthy(values: pd.Series) -> np.ndarray:
    """Return a boolean array: true where a value read from SQL is true (NULL, NaN and 0 are not)."""
    return np.array([bool(v) and v == v for v in values.tolist()], dtype=bool)


def typed(values: pd.Series, fact: str) -> pd.Series:
    """Return a fact column read from SQL in one dtype (old and new columns then combine cleanly)."""
    if fact.endswith("_at"):
        return pd.to_datetime(values, utc=True)
    if fact == "complaint":
        return pd.Series(truthy(values), index=values.index)
    return pd.to_numeric(values)


def group_keys(facts: pd.DataFrame) -> pd.DataFrame:
    """Return the tally group (unit, service, local month of reception) of each dossier."""
    return pd.DataFrame({
        "unit_id": pd.to_numeric(facts["unit_id"]).astype("int64"),
        "part_id": pd.to_numeric(facts["service_id"], errors="coerce").fillna(0).astype("int64"),
        "month": local(facts["received_at"].where(facts["received_at"].notna(),
                                                  pd.to_datetime(facts["created_at"], utc=True)))
                 .dt.strftime("%Y-%m"),
        "channel": "",
        "suspicious": False,
    })


def dossier_vectors(facts: pd.DataFrame, dissatisfied: set, kept: set) -> np.ndarray:
    """Return each dossier's facts (DOSSIER_FACTS) given which dossier hashes were rated dissatisfied."""
    due, returned = pd.to_datetime(facts["due_at"], utc=True), pd.to_datetime(facts["returned_at"], utc=True)
    columns = dossier_rules.Columns(
        every=np.ones(len(facts), dtype=bool),
        complaint=facts["complaint"].astype(bool).to_numpy(),
        due=due.to_numpy(), returned=returned.to_numpy(),
        due_known=due.notna().to_numpy(), returned_known=returned.notna().to_numpy(),
        due_day=local(due).dt.floor("D").to_numpy(), returned_day=local(returned).dt.floor("D").to_numpy(),
        dissatisfied=facts["dossier_hash"].isin(dissatisfied).to_numpy(),
    )
    every = dossier_rules.facts(columns)
    kept = dossier_rules.facts(columns.but(dissatisfied=facts["dossier_hash"].isin(kept).to_numpy()))
    return np.column_stack([*every.values(), kept["dissatisfied"], kept["bad"]]).astype(np.int64)


def local(times: pd.Series) -> pd.Series:
    """Return UTC times as local (UTC+7) wall-clock times."""
    return pd.to_datetime(times, utc=True).dt.tz_localize(None) + LOCAL_OFFSET
