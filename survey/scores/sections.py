"""The further tables of a unit: monthly trend, counters, services, quick ratings, QĐ 766, TT 01, channels.

Each function asks survey.scores.counts for sums (it picks the tally or SQL), adds leaf units up in
pandas and scores with `scoring`; each returns plain rows (dicts) that pages, exports and the JSON
API display as they are.
"""

from datetime import date

import numpy as np
import pandas as pd
from sqlmodel import Session, select

import scoring
from survey import instruments
from survey.models import Counter, Service, Unit
from survey.periods import Period, local_today, month_end
from survey.scores import counts, live
from survey.scores.filters import Filters
from survey.scores.service import branches, leaf_moments, years_per
from survey.scores.settings import Settings, plain, score_dict

#: Leaf groups (unit × month) the trend scores at once: a month's score needs only that month's
#: groups, so a large subtree is scored a few months at a time (each group's moments take about
#: 15 KB: the nation's 3,800 units × 12 months at once held 770 MB more at the peak).
TREND_GROUPS = 4_000


def trend(session: Session, units: list[Unit], filters: Filters, settings: Settings) -> list[dict]:
    """Score the subtree (root first) month by month, with p-chart limits around the period's index."""
    scored = {}
    months = filters.period.months()
    step = max(1, TREND_GROUPS // max(1, len(units)))
    for start in range(0, len(months), step):
        part = filters.but(period=months_within(filters.period, months[start:start + step]))
        moments, structure = leaf_moments(session, units, part, by=("unit_id", "month"))
        if len(moments):
            # Every leaf group belongs to the root: roll (leaf, month) up to months.
            parents = pd.Index(moments.index.get_level_values("month"), name="month")
            for score in scoring.score_rollup(moments, by=parents, structure=structure,
                                              combine=settings.combine, per_year=12.0, **settings.options()):
                scored[score.group["month"]] = score
    current = local_today().strftime("%Y-%m")
    rows = [{"month": month, "partial": month == current and filters.period.last >= local_today(),
             **score_dict(scored.get(month), settings)} for month in filters.period.months()]
    # The month under way is drawn but left out of the control limits: a few days' responses would
    # widen them and, compared with whole months, signal nothing but the calendar.
    with_data = [row for row in rows
                 if row["index"]["estimate"] is not None and row["index"]["n_eff"] and not row["partial"]]
    if with_data:
        n_eff = np.array([row["index"]["n_eff"] for row in with_data])
        x = np.round(np.array([row["index"]["estimate"] for row in with_data]) * n_eff)
        chart = scoring.p_chart(x, np.round(n_eff))
        for row, limits in zip(with_data, chart.itertuples(), strict=True):
            row["p_chart"] = {"centre": plain(limits.centre), "lcl": plain(limits.lcl),
                              "ucl": plain(limits.ucl), "signal": limits.signal}
    return rows


def months_within(period: Period, months: list[str]) -> Period:
    """Return the part of a period from the first of some consecutive local months ("2026-07") to the last."""
    first = max(period.first, date(int(months[0][:4]), int(months[0][5:]), 1))
    last = min(period.last, month_end(int(months[-1][:4]), int(months[-1][5:])))
    if (first, last) == (period.first, period.last):
        return period
    return Period(f"{first.isoformat()}..{last.isoformat()}", "range", first, last)


def counters(session: Session, unit: Unit, filters: Filters, settings: Settings) -> list[dict]:
    """Score the unit's own counters (each counter's respondents as one group)."""
    own = session.exec(select(Counter).where(Counter.unit_id == unit.id).order_by(Counter.id)).all()
    moments, structure = leaf_moments(session, [unit], filters.but(unit_id=unit.id), by=("counter_id",))
    scored = {}
    if len(moments):
        options = {**settings.options(many=True), "per_year": years_per(filters.period)}
        scored = {s.group["counter_id"]: s
                  for s in scoring.score_groups(moments, structure=structure, **options)}
    return [{"counter": c.name, "counter_id": c.id, "active": c.active,
             **score_dict(scored.get(c.id), settings)}
            for c in own]


def services(session: Session, units: list[Unit], filters: Filters, settings: Settings) -> list[dict]:
    """Score each service over the subtree (units combined by the SCORING_COMBINE setting)."""
    moments, structure = leaf_moments(session, units, filters, by=("unit_id", "service_id"))
    if not len(moments):
        return []
    # Responses without a procedure (NULL counted live, 0 in the tally) belong to no service.
    served = np.asarray(moments.index.get_level_values("service_id"), dtype=float)
    keep = np.flatnonzero(served > 0)
    if not len(keep):
        return []
    moments = moments.take(keep)
    scores = scoring.score_rollup(moments, by=["service_id"], structure=structure, combine=settings.combine,
                                  per_year=years_per(filters.period), **settings.options(many=True))
    names = {s.id: s for s in session.exec(select(Service)).all()}
    rows = [{"service": names[int(s.group["service_id"])].code,
             "name": names[int(s.group["service_id"])].name,
             **score_dict(s, settings)} for s in scores]
    return sorted(rows, key=lambda row: -row["n"])


def ratings(session: Session, units: list[Unit], filters: Filters, settings: Settings) -> list[dict]:
    """Share of each level of the three-level rating (quick-3 and the per-dossier rating), with intervals,
    for the subtree (root first) and, under "units", for each child unit that has ratings (pooling its own
    sub-units, as the score table does).
    """
    rows = []
    root = units[0]
    children = [u for u in units if u.parent_id == root.id]
    branch = branches(units, root)
    for code in (instruments.QUICK, instruments.DOSSIER):
        instrument = instruments.load(code)
        per_unit = counts.unit_value_counts(session, code, units, filters, instrument.item("RATING"))
        row = rated(instrument, per_unit.sum(), settings)
        per_child = per_unit.groupby(per_unit.index.map(branch)).sum()  # the root's own: no child
        row["units"] = []
        for child in children:
            if child.id in per_child.index:
                part = rated(instrument, per_child.loc[child.id], settings)
                if part["answered"]:
                    row["units"].append({"code": child.code, "name": child.name, **part})
        rows.append({"instrument": code, **row})
    return rows


def rated(instrument: instruments.Instrument, levels: pd.Series, settings: Settings) -> dict:
    """Return the answers, each level's count, the satisfied share and its interval from level counts."""
    answered = int(levels.sum())
    satisfied = int(sum(levels.get(v, 0) for v in instrument.satisfied))
    interval = scoring.proportion_interval(satisfied, answered, method=settings.method,
                                           confidence_level=settings.confidence_level)
    return {
        "answered": answered,
        "levels": [{"value": level.value, "label": level.label, "count": int(levels.get(level.value, 0))}
                   for level in instrument.levels],
        "satisfied": satisfied,
        "estimate": plain(satisfied / answered) if answered else None,
        "ci_low": plain(interval.ci_low) if answered else None,
        "ci_high": plain(interval.ci_high) if answered else None,
    }


def reasons(session: Session, units: list[Unit], filters: Filters) -> dict[str, dict]:
    """Count the dissatisfaction reasons of each three-level rating (a multi-choice item), most ticked
    first: {instrument code: {"reasons": [...], "with_reasons": responses giving any}}.

    Summed from the tally (which keeps each option's count) where it answers, else counted live.
    """
    out = {}
    for code in (instruments.QUICK, instruments.DOSSIER):
        item = next((i for i in instruments.load(code).items if i.kind == "multi"), None)
        if item is None:
            continue
        ticked, answered = counts.option_counts(session, code, units, filters, item)
        rows = [{"value": option.value, "label": option.label, "count": ticked[option.value]}
                for option in item.options]
        out[code] = {"reasons": sorted(rows, key=lambda row: -row["count"]), "with_reasons": answered}
    return out


def dossiers(session: Session, units: list[Unit], filters: Filters) -> dict:
    """QĐ 766 ratio and TT 01 indicator scores of a subtree's dossiers (None where there are none)."""
    tt01 = instruments.load(instruments.DOSSIER)
    totals = counts.dossier_facts(session, units, filters)
    result: dict[str, object] = {"qd766": None, "tt01": None, "facts": totals}
    if totals.get("dossiers"):
        ratio = scoring.qd766_ratio(total=totals["dossiers"], bad=totals["bad"])
        result["qd766"] = {"dossiers": ratio.dossiers, "bad": ratio.bad, "ratio": plain(ratio.ratio)}
    total: dict[int, int] = {}
    count: dict[int, int] = {}
    for item in tt01.items:
        if item.kind == "points":
            answers = counts.value_counts(session, instruments.DOSSIER, units, filters, item)
            # Answers without points ("not yet returned") are left out of the indicator.
            points = {option.value: option.points for option in item.options if option.points is not None}
            total[item.indicator] = sum(points[v] * n for v, n in answers.items() if v in points)
            count[item.indicator] = sum(n for v, n in answers.items() if v in points)
    if sum(count.values()):
        # Indicator 2 (each unit's time against its limit) comes from the dossier facts:
        # returned before the due day 2 points, on the due day 1, later 0.
        if totals.get("returned"):
            total[2] = 2 * totals["early"] + totals["same_day"]
            count[2] = totals["returned"]
        score = scoring.tt01_scores(total, count)
        result["tt01"] = {
            "indicators": {str(i): (None if v is None else float(v))
                           for i, v in sorted(score.indicators.items())},
            "counts": {str(i): count.get(i, 0) for i in sorted(score.indicators)},
            "civil_servant_total": (None if score.civil_servant_total is None
                                    else float(score.civil_servant_total)),
            "civil_servant_band": score.civil_servant_band,
        }
    return result


def channels(session: Session, units: list[Unit], filters: Filters) -> list[dict]:
    """Count responses of every instrument per channel (the channel filter does not apply)."""
    ordered = sorted(((n, channel) for channel, n in counts.channel_counts(session, units, filters).items()),
                     key=lambda pair: (-pair[0], pair[1]))
    return [{"channel": channel, "n": n} for n, channel in ordered]


def comments(
    session: Session, unit: Unit, filters: Filters, *, search: str, page: int, per_page: int = 20
) -> dict:
    """Return one page of comments (newest first) and paging facts."""
    # Comments of every instrument: no instrument condition (SQLite would pick its index over time order).
    frame, more = live.recent_comments(session, path=unit.path, filters=filters, search=search, page=page,
                                          per_page=per_page)
    rows = [{"id": int(r.id), "submitted_at": r.submitted_at, "channel": r.channel, "comment": r.comment,
             "flagged": bool(r.suspicious), "unit": r.unit, "unit_name": r.unit_name, "counter": r.counter}
            for r in frame.itertuples()]
    return {"rows": rows, "page": page, "more": more}
