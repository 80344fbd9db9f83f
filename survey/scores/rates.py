"""Response rates: how many ratings a subtree collected against the dossiers it received and returned.

A rating is a stored response of any questionnaire and channel (flagged ones unless the filters
leave them out), counted in the local month it was submitted; dossiers are counted in the local
month they were received, as QĐ 766 counts them, and "returned" are those with a return and a due
time (dossier_rules). A citizen may answer without a dossier and one dossier may bring several
answers, so a rate is a ratio, not a share, and can pass 100%. Each figure comes from
survey.scores.counts (the tally or live SQL), so rates agree with the scores beside them.
"""

from datetime import date

import pandas as pd
from sqlmodel import Session, col, select

from survey.models import Service, Unit, UnitService
from survey.periods import Period, month_end
from survey.scores import counts
from survey.scores.filters import Filters
from survey.scores.service import branches
from survey.scores.settings import plain


def ratio(numerator: int, denominator: int) -> float | None:
    """Return numerator ÷ denominator, or None when there is nothing to divide by."""
    return plain(numerator / denominator) if denominator else None


def rates_of(session: Session, units: list[Unit], filters: Filters) -> dict:
    """Return the ratings, dossiers received and returned, and both rates of a subtree (root first)."""
    ratings = counts.response_count(session, units, filters)
    facts = counts.dossier_facts(session, units, filters)
    received, returned = facts.get("dossiers", 0), facts.get("returned", 0)
    return {"ratings": ratings, "received": received, "returned": returned,
            "per_received": ratio(ratings, received), "per_returned": ratio(ratings, returned)}


def month_within(period: Period, month: str) -> Period:
    """Return the part of a period that falls in one local month ("2026-07")."""
    year, number = int(month[:4]), int(month[5:])
    first, last = max(period.first, date(year, number, 1)), min(period.last, month_end(year, number))
    whole = first.day == 1 and last == month_end(year, number)
    return Period(month if whole else f"{first.isoformat()}..{last.isoformat()}",
                  "month" if whole else "range", first, last)


def response_rates(session: Session, unit: Unit, units: list[Unit], filters: Filters) -> dict:
    """Return the rates of a subtree (root first): overall, per month, per procedure and per child unit.

    Procedures and child units with neither ratings nor dossiers are left out. Every figure comes
    from one grouped count of ratings and one of dossiers per unit, month and procedure
    (`figures`), summed here: the section reads the tally (or counts live) twice, not once per row.
    """
    if filters.period is None or filters.unit_id is not None:
        raise ValueError("response rates count a subtree over a period, not the whole history or one unit")
    table = figures(session, units, filters)
    per_month = totals(table, "month")
    months = [{"month": m, **row_of(per_month.get(m))} for m in filters.period.months()]
    services = []
    if filters.service_id is None:
        per_service = totals(table, "service_id")
        for service in handled(session, units):
            row = row_of(per_service.get(service.id))
            if row["ratings"] or row["received"]:
                services.append({"service": service.code, "name": service.name, **row})
    children = [u for u in units if u.parent_id == unit.id]
    # Each unit of the subtree counts for the child whose branch it is in (the root for none).
    branch = branches(units, unit)
    per_child = totals(table.assign(child=table["unit_id"].map(branch).fillna(0).astype("int64")),
                       "child")
    rows = []
    for child in children:
        row = row_of(per_child.get(child.id))
        if row["ratings"] or row["received"]:
            rows.append({"unit": child.code, "name": child.name, **row})
    ratings, received, returned = (int(table[name].sum()) for name in SUMS)
    return {"scope": row_of((ratings, received, returned)), "months": months, "services": services,
            "units": rows}


#: The groups `figures` counts per.
GROUPS = ["unit_id", "month", "service_id"]


def figures(session: Session, units: list[Unit], filters: Filters) -> pd.DataFrame:
    """Return the ratings, dossiers received and returned of a subtree per unit, local month and procedure."""
    ratings = counts.response_counts(session, units, filters, GROUPS).rename(columns={"n": "ratings"})
    facts = (counts.dossier_fact_groups(session, units, filters, GROUPS)[[*GROUPS, "dossiers", "returned"]]
             .rename(columns={"dossiers": "received"}))
    return ratings.merge(facts, on=GROUPS, how="outer").fillna(0)


#: The figures `figures` gives per group, in the order `totals` sums them.
SUMS = ["ratings", "received", "returned"]


def totals(table: pd.DataFrame, by: str) -> dict[object, tuple[int, int, int]]:
    """Return the sums (ratings, received, returned) of some rows of `figures` per value of `by`."""
    summed = table.groupby(by)[SUMS].sum()
    return {key: (int(ratings), int(received), int(returned))
            for key, ratings, received, returned in summed.itertuples()}


def row_of(sums: tuple[int, int, int] | None) -> dict:
    """Return the ratings, dossiers received and returned, and both rates, of sums of `figures` (None: 0)."""
    ratings, received, returned = sums or (0, 0, 0)
    returned = returned if received else 0
    return {"ratings": ratings, "received": received, "returned": returned,
            "per_received": ratio(ratings, received), "per_returned": ratio(ratings, returned)}


def handled(session: Session, units: list[Unit]) -> list[Service]:
    """Return the procedures any unit of a subtree handles, by code."""
    ids = [u.id for u in units]
    return list(session.exec(select(Service).where(col(Service.id).in_(
        select(UnitService.service_id).where(col(UnitService.unit_id).in_(ids)))).order_by(Service.code)).all())
