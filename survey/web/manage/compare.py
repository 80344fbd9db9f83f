"""Comparisons a provincial office asks for: this period against the previous one and the same period
last year, and a flat ranking of every unit of one kind across the scope.

A change is the difference of two indexes scored by the same respondent-level method, with a
two-sided interval (scoring.change); a ranking orders units by empirical-Bayes shrunk estimates
(`index.shrunk`), so that a small unit's lucky month does not top the list.
"""

from dataclasses import replace

from flask import render_template, request
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from scipy import stats

from scoring.change import index_change
from survey import scores
from survey.db import get_session
from survey.periods import Period, previous, year_before
from survey.scores.service import shrink_for_ranking
from survey.web.filters import percent
from survey.web.manage.context import Page, read_page
from survey.web.manage.views import bp, breadcrumbs, signed_in

#: Plural names of the unit kinds, as a ranking's choices.
KIND_LABELS = {
    "centre": _l("Service centres and their branches"), "department": _l("Departments"),
    "district": _l("Districts (data from before 1 July 2025)"), "commune": _l("Communes and wards"),
}


def scope_table(page: Page, period: Period, level: str = "children") -> scores.ScoreTable:
    """Return the page's score table for another period (cached like the page's own)."""
    options = {**page.score_options(), "period": period}
    return scores.cached_score_scope(get_session(), level=level, **options)


def change_of(now: dict, before: dict | None, page: Page) -> dict:
    """Return the change of a row's index from an earlier row, with its interval and a plain statement."""
    a, b = now["index"], (before or {}).get("index") or {}
    level = page.settings.confidence_level
    values = [b.get("estimate"), b.get("se"), a.get("estimate"), a.get("se")]
    change = None if None in values else index_change(*[float(v) for v in values], confidence_level=level)
    if change is None:
        return {"status": "unknown", "difference": None, "ci_low": None, "ci_high": None, "before": before,
                "text": _("Cannot compare: one of the periods has no responses.")}
    # The two-sided interval of the difference, from the same standard error as the test.
    half = float(stats.norm.ppf(0.5 + level / 2)) * change.se
    low, high = change.difference - half, change.difference + half
    status = "up" if change.significant and change.difference > 0 else (
        "down" if change.significant and change.difference < 0 else "unclear")
    points = {"change": signed_points(change.difference), "low": signed_points(low),
              "high": signed_points(high), "level": percent(level, 0)}
    text = {"up": _("A real rise of %(change)s (%(level)s interval %(low)s to %(high)s)."),
            "down": _("A real fall of %(change)s (%(level)s interval %(low)s to %(high)s)."),
            "unclear": _("No clear change: %(change)s is within what chance explains (%(level)s interval "
                         "%(low)s to %(high)s).")}[status] % points
    return {"status": status, "difference": change.difference, "ci_low": low, "ci_high": high, "text": text,
            "before": before}


def signed_points(value: float | None) -> str:
    """Format a difference of shares in percentage points, signed ("+4,0 điểm %")."""
    if value is None:
        return "–"
    text = percent(abs(value), 1).rstrip("%")
    return _("%(sign)s%(points)s points", sign="+" if value >= 0 else "−", points=text)


@bp.get("/unit/<code>/compare")
@signed_in
def compare(code: str):
    """Show the unit and its children this period, the previous period and the same period last year."""
    page = read_page(code)
    periods = {"now": page.period, "previous": previous(page.period), "last_year": year_before(page.period)}
    tables = {name: scope_table(page, period) for name, period in periods.items()}
    by_unit = {name: {r["unit"]: r for r in [table.scope, *table.rows]} for name, table in tables.items()}
    rows = [{"row": now, "previous": change_of(now, by_unit["previous"].get(now["unit"]), page),
             "last_year": change_of(now, by_unit["last_year"].get(now["unit"]), page)}
            for now in [tables["now"].scope, *tables["now"].rows]]
    return render_template("manage/compare.html", page=page, periods=periods, rows=rows,
                           crumbs=breadcrumbs(page.unit))


def shrunk(rows: list[dict]) -> list[dict]:
    """Return copies of the rows with ``index.shrunk`` fitted among these units alone, best first.

    The score table shrinks every row toward the mean of all its units (scores.shrink_for_ranking);
    a ranking of one kind refits the prior to that kind's units, on copies (the table is cached).
    """
    ranked = [{**row, "index": dict(row["index"])} for row in rows]
    shrink_for_ranking(ranked)
    # Shrunk estimates that agree to 1e-9 are a tie (all shrunk to the mean when units do not differ
    # beyond chance): the unit with more responses, the stronger evidence, comes first.
    return sorted(ranked, key=lambda r: (r["index"]["shrunk"] is None, -round(r["index"]["shrunk"] or 0, 9),
                                         -r["n"], r["name"]))


@bp.get("/unit/<code>/ranking")
@signed_in
def ranking(code: str):
    """Rank every unit of one kind in the unit's subtree (e.g. every commune of the province)."""
    page = read_page(code)
    table = scope_table(page, page.period, level="all")
    present = {row["kind"] for row in table.rows if row["unit"] != page.unit.code}
    kinds = [kind for kind in KIND_LABELS if kind in present]
    asked = request.args.get("kind", "")
    kind = asked if asked in kinds else max(kinds, key=lambda k: sum(r["kind"] == k for r in table.rows),
                                              default="")
    rows = shrunk([row for row in table.rows if row["kind"] == kind and row["unit"] != page.unit.code])
    parents = {u.id: u for u in page.units}
    names = {u.code: parents[u.parent_id].name for u in page.units if u.parent_id in parents}
    return render_template("manage/ranking.html", page=page, table=replace(table, rows=rows), kind=kind,
                           kinds=[(k, KIND_LABELS[k]) for k in kinds], parents=names,
                           crumbs=breadcrumbs(page.unit))
