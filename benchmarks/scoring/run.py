"""Time scoring every unit for a year: the stored tally, the additive SQL path, and loading all answers.

    python benchmarks/scoring/run.py DATABASE_URL [DATABASE_URL …] [--months 1 3 12]

Each measurement runs in a fresh process, so its peak memory (ru_maxrss) is its own; the
baseline RSS after imports is reported beside it. Results go to stdout as a Markdown table.
"""

import argparse
import json
import resource
import subprocess
import sys
import time
from datetime import date

from sqlalchemy import func, select
from sqlmodel import Session

import scoring
from survey import create_app
from survey.db import get_engine
from survey.models import Answer, Response, Unit
from survey.periods import Period, month_end
from survey.scores import Filters, live, sql, tally
from survey.scores.settings import sipas_instrument, structure_of


def period_of(months: int, today: date) -> Period:
    """Return the last `months` whole local months up to today's month."""
    year, month = today.year, today.month - months + 1
    while month < 1:
        year, month = year - 1, month + 12
    return Period(f"last-{months}", "range", date(year, month, 1), month_end(today.year, today.month))


def additive(session: Session, period: Period) -> int:
    """Score every leaf unit from the pattern histogram (SQL GROUP BY); return the units scored."""
    structure = structure_of(sipas_instrument())
    ids = live.instrument_ids(session, "sipas-service")
    filters = Filters(period)
    histogram = live.pattern_histogram(session, path="/", filters=filters, instruments=ids, by=["unit_id"])
    moments = scoring.moments_from_patterns(histogram, by=["unit_id"], structure=structure)
    return len(scoring.score_groups(moments, structure=structure))


def from_tally(session: Session, period: Period) -> int:
    """Score every leaf unit from the stored tally (read in by this fresh process);
    return the units scored.
    """
    structure = structure_of(sipas_instrument())
    unit_ids = session.connection().execute(select(Unit.id)).scalars().all()
    summed = tally.sums("sipas-service", unit_ids=unit_ids, filters=Filters(period), by=["unit_id"])
    moments = summed.moments(structure.codes)
    return len(scoring.score_groups(moments, structure=structure))


def naive(session: Session, period: Period) -> int:
    """Load every answer of the period into pandas, then group and score; return the units scored."""
    structure = structure_of(sipas_instrument())
    ids = live.instrument_ids(session, "sipas-service")
    slots = [Answer.__table__.c[f"v{j + 1:02d}"].label(code) for j, code in enumerate(structure.codes)]
    statement = (
        select(Response.unit_id, *slots)
        .join(Answer.__table__, Answer.__table__.c.response_id == Response.id)
        .where(Response.instrument_id.in_(ids))
        .where(Response.submitted_at >= period.start_utc, Response.submitted_at < period.end_utc)
    )
    frame = sql.run(session, statement)
    frame[list(structure.codes)] = frame[list(structure.codes)].where(frame[list(structure.codes)] > 0)
    patterns = scoring.patterns_from_responses(frame, by=["unit_id"], structure=structure)
    moments = scoring.moments_from_patterns(patterns, by=["unit_id"], structure=structure)
    return len(scoring.score_groups(moments, structure=structure))


def measure(url: str, path: str, months: int) -> dict:
    """Run one path in this process and return its figures."""
    app = create_app({"TESTING": True, "DATABASE_URL": url})
    with app.app_context(), Session(get_engine(app)) as session:
        period = period_of(months, date.today())
        responses = session.connection().execute(
            select(func.count()).select_from(Response).where(
                Response.submitted_at >= period.start_utc, Response.submitted_at < period.end_utc
            )
        ).scalar()
        baseline = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        started = time.perf_counter()
        units = {"tally": from_tally, "additive": additive, "naive": naive}[path](session, period)
        seconds = time.perf_counter() - started
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return {"path": path, "months": months, "responses": responses, "units": units,
            "seconds": round(seconds, 2), "baseline_mb": round(baseline), "peak_mb": round(peak)}


def main() -> None:
    """Run every measurement in its own process and print a table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("urls", nargs="+")
    parser.add_argument("--months", type=int, nargs="+", default=[1, 3, 12])
    parser.add_argument("--paths", nargs="+", default=["tally", "additive", "naive"])
    parser.add_argument("--one", nargs=3, metavar=("URL", "PATH", "MONTHS"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.one:
        url, path, months = args.one
        print(json.dumps(measure(url, path, int(months))))
        return
    rows = []
    for url in args.urls:
        for months in args.months:
            for path in args.paths:
                done = subprocess.run([sys.executable, __file__, "x", "--one", url, path, str(months)],
                                      capture_output=True, text=True, check=True)
                row = json.loads(done.stdout) | {"database": url.split(":")[0].split("+")[0]}
                rows.append(row)
                print(row, file=sys.stderr)
    print(markdown(rows))


def markdown(rows: list[dict]) -> str:
    """Return rows as a Markdown table."""
    header = list(rows[0])
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(str(row[key]) for key in header) + " |" for row in rows]
    return "\n".join(lines)


if __name__ == "__main__":
    main()
