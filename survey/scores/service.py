"""Scores of a unit scope as plain tables: queries count, scoring computes, pages and APIs display.

`score_scope` is the one entry point the pages, the CLI and the JSON API share. Leaf units are
counted by survey.scores.counts (the tally, or SQL); a unit's score pools its whole subtree by
the SCORING_COMBINE setting (mean of the subtree's units with data, or pooled respondents).
Results are cached per scope, period, filters, settings and data version (the newest response id).
"""

from collections.abc import Sequence
from dataclasses import asdict, dataclass, field, fields

import numpy as np
import pandas as pd
from flask import current_app
from sqlmodel import Session, select

import scoring
from survey import instruments
from survey.models import Service, Unit
from survey.periods import Period
from survey.periods import parse as parse_period
from survey.scores import counts
from survey.scores.cache import cached, data_version
from survey.scores.filters import Filters
from survey.scores.settings import Settings, score_dict, sipas_instrument, structure_of

LEVELS = ("children", "self", "all")


class UnknownService(LookupError):
    """A score was asked for a service code that no service has."""


@dataclass
class ScoreTable:
    """Scored rows (plain, JSON-serialisable dicts) of a scope, with what they were scored under."""

    unit: dict
    period: dict
    level: str
    filters: dict
    settings: dict
    #: The scope unit's own score (its whole subtree).
    scope: dict
    rows: list[dict] = field(default_factory=list)

    def to_dict(self) -> dict:
        """Return the table as plain data, for JSON (the rows are the table's own dicts, not copies:
        dataclasses.asdict took 3.6 s to copy a nation's 3,800 rows)."""
        return {f.name: getattr(self, f.name) for f in fields(self)}


def expand_to_ancestors(
    moments: scoring.Moments, leaf_paths: Sequence[str], targets: Sequence[tuple]
) -> tuple:
    """Repeat each leaf group once per target whose subtree holds it; return (moments, labels).

    `targets` are tuples whose first element is a path prefix and the rest the output label.
    """
    # A target holds a leaf when its path is one of the leaf's own prefixes ("/1/", "/1/5/", …): each
    # leaf looks up its few ancestors instead of testing every target (a nation's "all" is 3,800²).
    by_prefix: dict[str, list[tuple[int, tuple]]] = {}
    for order, (prefix, *label) in enumerate(targets):
        by_prefix.setdefault(prefix, []).append((order, tuple(label)))
    odd = [prefix for prefix in by_prefix if not (prefix.startswith("/") and prefix.endswith("/"))]
    rows, labels = [], []
    for position, path in enumerate(leaf_paths):
        parts = path.split("/")
        found = [hit for depth in range(1, len(parts))
                 for hit in by_prefix.get("/".join(parts[:depth]) + "/", ())]
        found += [hit for prefix in odd if path.startswith(prefix) for hit in by_prefix[prefix]]
        for _, label in sorted(found, key=lambda hit: hit[0]):
            rows.append(position)
            labels.append(label)
    return moments.take(np.asarray(rows, dtype=int), pd.RangeIndex(len(rows))), labels


def rollup(moments: scoring.Moments, leaf_paths: Sequence[str], targets: Sequence[tuple], *,
           names: Sequence[str], structure: scoring.Structure, settings: Settings, many: bool = False,
           per_year: float | None = None) -> dict[tuple, scoring.GroupScore]:
    """Score each target over the leaf groups in its subtree; return {label tuple: GroupScore}.

    `many`: the targets are judged together (a screen of units), so their verdicts are adjusted
    by the SCORING_ADJUST setting.
    """
    expanded, labels = expand_to_ancestors(moments, leaf_paths, targets)
    if not labels:
        return {}
    if len(names) == 1:
        index = pd.Index([label[0] for label in labels], name=names[0])
    else:
        index = pd.MultiIndex.from_tuples(labels, names=list(names))
    scores = scoring.score_rollup(expanded, by=index, structure=structure, combine=settings.combine,
                                  per_year=per_year, **settings.options(many=many))
    return {tuple(score.group[name] for name in names): score for score in scores}


def subtree_units(session: Session, unit: Unit) -> list[Unit]:
    """Return the units of a subtree, the root first, in path order."""
    statement = select(Unit).where(Unit.path.startswith(unit.path, autoescape=True)).order_by(Unit.id)
    return list(session.exec(statement).all())


def branches(units: list[Unit], root: Unit) -> dict[int, int]:
    """Map each unit of a subtree below `root` to the child of `root` whose branch holds it.

    Read from the paths ("/1/5/17/"): the id just after the root's own, one step per unit.
    """
    depth = len(root.path.strip("/").split("/"))
    found = {}
    for unit in units:
        ids = unit.path.strip("/").split("/")
        if unit.id is not None and len(ids) > depth and unit.path.startswith(root.path):
            found[unit.id] = int(ids[depth])
    return found


def make_filters(session: Session, period: Period | str | None, *, service: str | None = None,
                 channel: str | None = None, counter_id: int | None = None,
                 include_flagged: bool = True) -> Filters:
    """Build query filters; a service is named by its national code.

    An unknown code raises UnknownService.
    """
    if not isinstance(period, Period):
        period = parse_period(period)
    service_id = None
    if service:
        service_id = session.exec(select(Service.id).where(Service.code == service)).first()
        if service_id is None:
            raise UnknownService(f"no service with code {service!r}")
    return Filters(period, service_id=service_id, channel=channel or None, counter_id=counter_id,
                   include_flagged=include_flagged)


def leaf_moments(session: Session, units: list[Unit], filters: Filters, *, by=("unit_id",)):
    """Count the SIPAS responses of a subtree (root first) per leaf unit and `by`.

    Return (moments, structure).
    """
    structure = structure_of(sipas_instrument())
    return counts.moments(session, instruments.SIPAS, units, filters, by=by, structure=structure), structure


def unit_row(unit: Unit, score: scoring.GroupScore | None, settings: Settings) -> dict:
    """Return one table row: the unit and its score."""
    return {"unit": unit.code, "name": unit.name, "kind": unit.kind, **score_dict(score, settings)}


def score_scope(
    session: Session,
    *,
    unit: Unit,
    period: Period | str | None = None,
    level: str = "children",
    service: str | None = None,
    channel: str | None = None,
    include_flagged: bool = True,
    settings: Settings | None = None,
) -> ScoreTable:
    """Score a unit's subtree and its children (level "children"), itself ("self") or every unit ("all")."""
    if level not in LEVELS:
        raise ValueError(f"level must be one of {LEVELS}; got {level!r}")
    settings = settings or Settings.from_config(current_app.config)
    filters = make_filters(session, period, service=service, channel=channel, include_flagged=include_flagged)
    units = subtree_units(session, unit)
    if level == "self":
        targets = [unit]
    elif level == "children":
        targets = [u for u in units if u.parent_id == unit.id]
    else:
        targets = units
    moments, structure = leaf_moments(session, units, filters)
    paths = {u.id: u.path for u in units}
    leaf_paths = [paths[unit_id] for unit_id in moments.index]
    per_year = years_per(filters.period)
    own = rollup(moments, leaf_paths, [(unit.path, unit.code)], names=["unit"], structure=structure,
                 settings=settings, per_year=per_year)
    scored = rollup(moments, leaf_paths, [(u.path, u.code) for u in targets], names=["unit"],
                    structure=structure, settings=settings, many=True, per_year=per_year)
    rows = [unit_row(u, scored.get((u.code,)), settings) for u in targets]
    shrink_for_ranking(rows)
    return ScoreTable(
        unit={"code": unit.code, "name": unit.name, "kind": unit.kind},
        period={"key": filters.period.key, "kind": filters.period.kind,
                "first": filters.period.first.isoformat(), "last": filters.period.last.isoformat()},
        level=level,
        filters={"service": service, "channel": channel, "include_flagged": include_flagged},
        settings=asdict(settings),
        scope=unit_row(unit, own.get((unit.code,)), settings),
        rows=rows,
    )


def years_per(period: Period) -> float:
    """How many periods of this length make a year (a unit's yearly volume is its count times this)."""
    days = (period.last - period.first).days + 1
    return max(365.25 / max(days, 1), 1.0)


def shrink_for_ranking(rows: list[dict]) -> None:
    """Add ``index.shrunk``: the empirical-Bayes estimate that ranking displays sort by.

    A unit's index is shrunk toward the mean of the units by a beta-binomial prior fitted to
    (index × n_eff, n_eff), so that small units do not fill the top and bottom of a ranking by
    chance; the raw index stays beside it and every verdict still uses the raw one.
    """
    scored = [row for row in rows if row["index"]["estimate"] is not None and row["index"]["n_eff"]]
    for row in rows:
        row["index"]["shrunk"] = None
    if len(scored) < 2:
        for row in scored:
            row["index"]["shrunk"] = row["index"]["estimate"]
        return
    n = np.maximum(np.round([row["index"]["n_eff"] for row in scored]), 1)
    x = np.round(np.array([row["index"]["estimate"] for row in scored]) * n)
    for row, value in zip(scored, scoring.shrink_estimates(x, n)["shrunk"], strict=True):
        row["index"]["shrunk"] = float(value)


#: Sort keys of score rows: name, n, index, verdict, or a factor code.
VERDICT_ORDER = {"not-met": 0, "inconclusive": 1, "met": 2, "insufficient": 3}


def sort_rows(rows: list[dict], key: str | None) -> list[dict]:
    """Sort score rows by "name", "n", "index", "verdict" or a factor code ("A"…); "-" reverses."""
    key = key or ""
    reverse = key.startswith("-")
    name = key.lstrip("-")

    def value(row: dict):
        if name == "n":
            return row["n"]
        if name == "index":  # rankings use the shrunk estimate (raw beside it on the page)
            shrunk = row["index"].get("shrunk")
            return row["index"]["estimate"] if shrunk is None else shrunk
        if name == "verdict":
            return VERDICT_ORDER.get(row["verdict"]["status"], 9)
        if name in row["factors"] or len(name) == 1:
            return (row["factors"].get(name) or {}).get("estimate")
        return None

    if name not in ("n", "index", "verdict") and len(name) != 1:
        return rows
    present = [row for row in rows if value(row) is not None]
    missing = [row for row in rows if value(row) is None]
    return sorted(present, key=value, reverse=reverse) + missing


def cached_score_scope(session: Session, **options) -> ScoreTable:
    """Return score_scope(...) from the app's LRU cache when the data has not changed."""
    unit = options["unit"]
    settings = options.get("settings") or Settings.from_config(current_app.config)
    period = options.get("period")
    period = period if isinstance(period, Period) else parse_period(period)
    rest = tuple(sorted((k, str(v)) for k, v in options.items() if k not in ("unit", "period", "settings")))
    key = ("score_scope", unit.id, period, rest, settings, data_version(session))
    options = {**options, "period": period}
    return cached(key, lambda: score_scope(session, **{**options, "settings": settings}))
