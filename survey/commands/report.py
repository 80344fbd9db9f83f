"""`flask --app survey scores`: scores of a unit's children, itself or its whole subtree, for a period."""

import csv
import io
import json

import click
from flask.cli import with_appcontext
from sqlmodel import Session, select

from survey.commands.options import unit_option
from survey.core.cells import inert
from survey.db import get_engine
from survey.models import Unit
from survey.periods import PeriodError
from survey.periods import parse as parse_period
from survey.scores import LEVELS, ScoreTable, UnknownService, score_scope


def flat_rows(table: ScoreTable) -> list[dict]:
    """Flatten a score table to one dict per unit (the scope's own row first) for CSV."""
    rows = []
    for row in [table.scope, *table.rows] if table.level == "children" else table.rows:
        verdict = row["verdict"]
        flat = {"unit": row["unit"], "name": row["name"], "n": row["n"]}
        flat.update({f"index_{key}": value for key, value in row["index"].items()
                     if key != "missing_factors"})
        flat["index_missing_factors"] = " ".join(row["index"].get("missing_factors") or [])
        flat.update(verdict=verdict["status"], more_needed=verdict["more_needed"],
                    reachable=verdict.get("reachable", True), verdict_ci_low=verdict["ci_low"],
                    verdict_ci_high=verdict["ci_high"], interval_level=verdict.get("interval_level"),
                    adjustment=verdict.get("adjustment", "none"), target=verdict["target"],
                    confidence_level=verdict["confidence_level"], sides=verdict["sides"],
                    method=verdict["method"], period=table.period["key"])
        for code, factor in row["factors"].items():
            flat[f"factor_{code}_estimate"] = factor["estimate"]
        for code, item in row["items"].items():
            flat[f"item_{code}_n"], flat[f"item_{code}_estimate"] = item["n"], item["estimate"]
        rows.append(flat)
    return rows


def interval_level(settings: dict) -> float:
    """The two-sided level of the interval a verdict uses under these settings."""
    level = settings["confidence_level"]
    return 1 - 2 * (1 - level) if settings["sides"] == "one-sided" else level


def as_text(table: ScoreTable) -> str:
    """Return an aligned plain-text table with the settings the verdicts were reached with."""
    s = table.settings
    lines = [f"{table.unit['code']} · {table.unit['name']} · {table.period['key']} "
             f"({table.period['first']} – {table.period['last']}, UTC+7)",
             f"Verdicts: {s['method']}, {s['confidence_level']:.0%} {s['sides']}, target {s['target']:.0%}, "
             f"at least {s['min_n']} responses, units combined by {s['combine']}; "
             f"units adjusted together by {s.get('adjust', 'none')}.",
             f"Intervals: the two-sided {interval_level(s):.0%} interval each verdict used; "
             f"'more' settles a verdict with probability {s.get('power', 0.8):.0%} "
             "if the estimate is the truth."]
    for row in flat_rows(table):
        estimate = row["index_estimate"]
        shown = "      –" if estimate is None else f"{estimate:7.2%}"
        interval = ("" if estimate is None or row["verdict_ci_low"] is None
                    else f"[{row['verdict_ci_low']:.2%}, {row['verdict_ci_high']:.2%}]")
        more = ""
        if row["verdict"] in ("inconclusive", "insufficient"):
            more = (f" (about {row['more_needed']} more)" if row["more_needed"]
                    else " (not reachable at this volume)" if not row["reachable"] else "")
        partial = " partial: no answers for " + row["index_missing_factors"] if row["index_partial"] else ""
        adjusted = f" ({row['adjustment']} adjusted)" if row["adjustment"] != "none" else ""
        lines.append(f"{row['unit']:<12} {row['n']:>8} {shown} {interval:<20} "
                     f"{row['verdict']}{adjusted}{more}{partial}")
    return "\n".join(lines)


def table_json(data: dict) -> str:
    """Return a score table as JSON: its head indented, then one row per line.

    Indenting makes Python use its pure-Python encoder: a nation's 3,832 rows took 1.2 s that
    way; each row on its own line goes through the C encoder.
    """
    head = json.dumps({key: value for key, value in data.items() if key != "rows"}, ensure_ascii=False,
                      indent=2)
    rows = ",\n".join("    " + json.dumps(row, ensure_ascii=False) for row in data["rows"])
    return head[:-2] + ',\n  "rows": [' + (f"\n{rows}\n  " if rows else "") + "]\n}"


@click.command("scores")
@with_appcontext
@click.option("--unit", "unit_code", default=None, help="Unit code (default: the root of the tree).")
@click.option("--level", type=click.Choice(LEVELS), default="children", show_default=True)
@click.option("--period", default=None,
              help="2026, 2026-Q3, 2026-07 or 2026-07-01..2026-09-30 (default: last 12 months).")
@click.option("--service", default=None, help="National code of one service.")
@click.option("--channel", default=None, help="One channel (counter-qr, receipt, kiosk, paper).")
@click.option("--exclude-flagged", is_flag=True, help="Leave flagged responses out.")
@click.option("--format", "output", type=click.Choice(["text", "csv", "json"]), default="text",
              show_default=True)
def scores_command(unit_code, level, period, service, channel, exclude_flagged, output):
    """Print scores with intervals and verdicts for a unit and period."""
    try:
        parsed = parse_period(period)
    except PeriodError as exc:
        raise click.BadParameter(str(exc), param_hint="--period") from exc
    with Session(get_engine()) as session:
        unit = (unit_option(session, unit_code) if unit_code
                else session.exec(select(Unit).where(Unit.parent_id.is_(None)).order_by(Unit.id)).first())
        if unit is None:
            raise click.BadParameter("there is no unit yet", param_hint="--unit")
        try:
            table = score_scope(session, unit=unit, period=parsed, level=level, service=service,
                                channel=channel, include_flagged=not exclude_flagged)
        except UnknownService as exc:
            raise click.BadParameter(str(exc), param_hint="--service") from exc
    if output == "json":
        click.echo(table_json(table.to_dict()))
    elif output == "csv":
        rows = flat_rows(table)
        buffer = io.StringIO()
        # Rows differ in their fields (only sub-units carry a shrunk estimate): take every one, in order.
        fields = list(dict.fromkeys(name for row in rows for name in row)) or ["unit"]
        writer = csv.DictWriter(buffer, fieldnames=fields, restval="")
        writer.writeheader()
        writer.writerows({name: inert(value) for name, value in row.items()} for row in rows)
        click.echo(buffer.getvalue(), nl=False)
    else:
        click.echo(as_text(table))
