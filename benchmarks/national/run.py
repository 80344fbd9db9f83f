"""National figures side by side in one run: pages, worker memory, scoring, fold and submission rates.

    python benchmarks/national/run.py postgresql+psycopg://postgres@127.0.0.1:5432/national1m \\
        [more database URLs …] [--rounds 2] [--scopes 100] [--fold 100000] [--submit 2000] [--record]

For each database (seeded by seed.py), in fresh processes so memory is each part's own:

- pages: overview and unit pages signed in at the nation, the largest province and one of its
  communes: cold, new filters (result cache emptied), new data (20 responses recorded before each
  request) and repeat, p50/p95/max (pages.py);
- tour: resident memory (VmRSS) of a fresh worker process after its first overview and after unit
  pages of 100 random scopes;
- scoring: `flask scores --period <this year> --level all --format json` for the root (every unit,
  the CLI/API path on the stored tally), against loading the year's answers into pandas and scoring
  them (benchmarks/scoring/run.py's naive path), each with its peak memory;
- fold: responses/s of `flask tally` for --fold responses written in bulk and left in the queue;
- submit: responses/s recorded one per transaction in process (record_response, as the survey
  does, without HTTP); benchmarks/submit has the HTTP figures.

The load average is taken before and after every part. With --record, the Markdown goes to the
end of benchmarks/national/README.md as well.
"""

import argparse
import json
import os
import subprocess
import sys
import time
import uuid
from datetime import UTC, date, datetime
from pathlib import Path

import numpy as np
from sqlalchemy import func
from sqlalchemy.engine import make_url
from sqlmodel import Session, select

from survey import create_app, instruments
from survey.commands import demo
from survey.core.responses import record_response
from survey.db import get_engine
from survey.instruments.catalogue import ensure_instruments, row_for
from survey.models import Counter, Response, Unit, UnitService
from survey.scores import tally

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent.parent
PYTHON = sys.executable


def load() -> str:
    """Return the 1, 5 and 15 minute load averages as text."""
    return " ".join(f"{x:.1f}" for x in os.getloadavg())


def child(args: list[str], env: dict | None = None) -> tuple[str, float]:
    """Run a command from the checkout; return its stdout and wall-clock seconds."""
    started = time.perf_counter()
    done = subprocess.run(args, cwd=ROOT, capture_output=True, text=True, check=False,
                          env={**os.environ, "PYTHONPATH": str(ROOT), **(env or {})})
    if done.returncode:
        # A negative code is a signal: -9 is most often the kernel's OOM killer.
        sys.exit(f"{' '.join(args[:4])} … failed (exit {done.returncode}):\n{done.stderr[-3000:]}")
    return done.stdout, time.perf_counter() - started


def last_line(out: str) -> dict:
    """Return a part's figures: the last line of its output (the request log writes JSON lines too)."""
    return json.loads(out.strip().splitlines()[-1])


def size_of(url: str) -> dict:
    """Return the database's units, counters and responses."""
    app = create_app({"TESTING": True, "DATABASE_URL": url})
    with Session(get_engine(app)) as session:
        count = {name: session.execute(select(func.count()).select_from(model)).scalar()
                 for name, model in (("units", Unit), ("counters", Counter), ("responses", Response))}
    get_engine(app).dispose()
    return count


def scoring(url: str) -> dict:
    """Time the CLI on the stored tally (whole tree, this year) against the naive pandas path."""
    year = str(date.today().year)
    env = {"DATABASE_URL": url, "FLASK_SECRET_KEY": "benchmark-only-not-a-secret"}
    # GNU time's "maximum resident set size" is the CLI's peak, start-up included.
    out, cli_seconds = child(["/usr/bin/time", "-f", "%M", PYTHON, "-m", "flask", "--app", "survey", "scores",
                              "--period", year, "--level", "all", "--format", "json"], env)
    rows = len(json.loads(out[out.index("{"):]).get("rows", []))
    naive_out, _ = child([PYTHON, "benchmarks/scoring/run.py", "x", "--one", url, "naive", "12"])
    tally_out, _ = child([PYTHON, "benchmarks/scoring/run.py", "x", "--one", url, "tally", "12"])
    naive, stored = last_line(naive_out), last_line(tally_out)
    return {"cli_s": round(cli_seconds, 2), "cli_rows": rows,
            "tally_s": stored["seconds"], "tally_peak_mb": stored["peak_mb"],
            "naive_s": naive["seconds"], "naive_peak_mb": naive["peak_mb"],
            "naive_responses": naive["responses"]}


def fold_rate(url: str, n: int) -> dict:
    """Write n responses in bulk, left in the tally's queue, and time the fold (`flask tally`)."""
    app = create_app({"TESTING": True, "DATABASE_URL": url})
    engine = get_engine(app)
    rng = np.random.default_rng(int(time.time()))
    with Session(engine) as session:
        instrument_ids = {code: row.id for code, row in ensure_instruments(session).items()}
        session.commit()
        units = session.exec(select(Unit).order_by(Unit.id)).all()
        counters = session.exec(select(Counter).where(Counter.active)).all()
        links = session.exec(select(UnitService)).all()
        first_id = (session.exec(select(func.max(Response.id))).one() or 0) + 1
    frame = demo.generate(rng, units=units, counters=counters, links=links, n=n, channels=demo.CHANNELS)
    demo.write(engine, frame, first_id=first_id, instrument_ids=instrument_ids)
    started = time.perf_counter()
    folded = tally.fold(engine).responses
    seconds = time.perf_counter() - started
    engine.dispose()
    return {"folded": folded, "fold_s": round(seconds, 1), "fold_per_s": round(folded / seconds)}


def submit_rate(url: str, n: int) -> dict:
    """Record n SIPAS responses one per transaction, in process; return responses/s."""
    app = create_app({"TESTING": True, "DATABASE_URL": url})
    instrument = instruments.load("sipas-service")
    rng = np.random.default_rng(3)
    with app.app_context(), Session(get_engine(app)) as session:
        row = row_for(session, "sipas-service")
        counters = [(c.id, c.unit_id) for c in session.exec(select(Counter)).all()]
        started = time.perf_counter()
        for _ in range(n):
            counter_id, unit_id = counters[int(rng.integers(len(counters)))]
            values = {item.code: int(rng.choice([3, 4, 5])) for item in instrument.scored_items}
            record_response(session, instrument_row=row, unit_id=unit_id, counter_id=counter_id,
                            channel="counter-qr", values=values, idempotency_key=f"bench-{uuid.uuid4().hex}")
            session.commit()
        seconds = time.perf_counter() - started
    get_engine(app).dispose()
    return {"submitted": n, "submit_per_s": round(n / seconds)}


def measure(url: str, args) -> dict:
    """Run every part on one database; return the figures with the load average around each."""
    figures: dict = {"database": make_url(url).database or url, **size_of(url)}
    for level in ("nation", "province", "commune"):
        before = load()
        out, _ = child([PYTHON, str(HERE / "pages.py"), url, "pages", "--level", level,
                        "--rounds", str(args.rounds), "--pages", str(args.pages)])
        figures[f"pages_{level}"] = last_line(out) | {"load": f"{before} → {load()}"}
        print(json.dumps(figures[f"pages_{level}"]), file=sys.stderr)
    before = load()
    out, _ = child([PYTHON, str(HERE / "pages.py"), url, "tour", "--scopes", str(args.scopes)])
    figures["tour"] = last_line(out) | {"load": f"{before} → {load()}"}
    before = load()
    figures["scoring"] = scoring(url) | {"load": f"{before} → {load()}"}
    if args.fold:
        before = load()
        figures["fold"] = fold_rate(url, args.fold) | {"load": f"{before} → {load()}"}
    if args.submit:
        before = load()
        figures["submit"] = submit_rate(url, args.submit) | {"load": f"{before} → {load()}"}
    print(json.dumps(figures), file=sys.stderr)
    return figures


def markdown(results: list[dict]) -> str:
    """Return the run's figures as Markdown tables."""
    at = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    lines = [f"### Run of {at}", "",
             "| database | units | responses | level | overview new filters p50/p95 "
             "| overview new data p50/p95 | unit new filters p50/p95 | unit new data p50/p95 "
             "| cold overview | load |",
             "|---|---:|---:|---|---|---|---|---|---:|---|"]
    for r in results:
        for level in ("nation", "province", "commune"):
            p = r[f"pages_{level}"]
            cells = [f"{p[k]['p50']} / {p[k]['p95']} ms" for k in
                     ("overview_new_filters", "overview_new_data", "unit_new_filters", "unit_new_data")]
            lines.append(f"| {r['database']} | {r['units']:,} | {r['responses']:,} "
                         f"| {level} ({p['scope']}) | " + " | ".join(cells)
                         + f" | {p['cold_overview_ms']} ms | {p['load']} |")
    lines += ["", "| database | worker RSS before / after first overview / after the scopes (peak) "
              "| tour p50/p95 | CLI year (whole tree) | tally path (peak) | naive pandas path (peak) "
              "| fold | submit | load |",
              "|---|---|---|---|---|---|---|---|---|"]
    for r in results:
        t, s = r["tour"], r["scoring"]
        fold = f"{r['fold']['fold_per_s']:,}/s ({r['fold']['folded']:,} in {r['fold']['fold_s']} s)" \
            if "fold" in r else "–"
        submit = f"{r['submit']['submit_per_s']:,}/s" if "submit" in r else "–"
        loads = "; ".join(r[k]["load"] for k in ("tour", "scoring", "fold", "submit") if k in r)
        lines.append(f"| {r['database']} | {t['rss_before_mb']} / {t['rss_after_overview_mb']} / "
                     f"{t['rss_after_tour_mb']} MB ({t.get('rss_peak_mb', '–')} MB) "
                     f"| {t['tour']['p50']} / {t['tour']['p95']} ms "
                     f"| {s['cli_s']} s ({s['cli_rows']} rows) | {s['tally_s']} s ({s['tally_peak_mb']} MB) "
                     f"| {s['naive_s']} s ({s['naive_peak_mb']} MB) | {fold} | {submit} | {loads} |")
    return "\n".join(lines) + "\n"


def main() -> None:
    """Measure every database given, print the tables, and record them with --record."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("urls", nargs="+", help="database URLs seeded by seed.py")
    parser.add_argument("--rounds", type=int, default=2, help="rounds over each level's pages")
    parser.add_argument("--pages", type=int, default=100, help="at most this many URLs per page kind, level")
    parser.add_argument("--scopes", type=int, default=100, help="random scopes of the memory tour")
    parser.add_argument("--fold", type=int, default=100_000, help="responses folded (0: skip; adds data)")
    parser.add_argument("--submit", type=int, default=2_000, help="responses submitted (0: skip; adds data)")
    parser.add_argument("--record", action="store_true", help="append the tables to README.md")
    args = parser.parse_args()
    results = [measure(url, args) for url in args.urls]
    text = markdown(results)
    print(text)
    (HERE / "latest.json").write_text(json.dumps(results, indent=1) + "\n", encoding="utf-8")
    if args.record:
        with (HERE / "README.md").open("a", encoding="utf-8") as readme:
            readme.write("\n" + text)


if __name__ == "__main__":
    main()
