"""Seed a national demo (the nation, N provinces) with M responses on a database; record the time.

    python benchmarks/national/seed.py postgresql+psycopg://postgres@127.0.0.1:5432/national20m \\
        --responses 20000000 --tally-every 10

Creates the database (PostgreSQL) when it does not exist, migrates it and runs the demo's bulk
writer (survey/commands/demo.py, COPY on PostgreSQL) with the national structure. Run again on a
seeded database, it adds responses. Appends one JSON line per run to benchmarks/national/seeds.jsonl:
size, seconds, peak RSS and the load average before and after.
"""

import argparse
import json
import os
import resource
import time
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import create_engine, func, select, text
from sqlalchemy.engine import make_url
from sqlmodel import Session

from survey import create_app
from survey.commands import demo, demo_national, migrate
from survey.db import get_engine
from survey.models import Response, Unit

RECORD = Path(__file__).with_name("seeds.jsonl")


def ensure_database(url: str) -> None:
    """Create a PostgreSQL database if it is missing (SQLite files create themselves)."""
    parsed = make_url(url)
    if parsed.get_backend_name() != "postgresql":
        return
    server = create_engine(parsed.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with server.connect() as connection:
        if not connection.execute(text("SELECT 1 FROM pg_database WHERE datname = :name"),
                                  {"name": parsed.database}).first():
            connection.exec_driver_sql(f'CREATE DATABASE "{parsed.database}"')
    server.dispose()


def main() -> None:
    """Parse arguments, migrate, seed and record."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("database_url")
    parser.add_argument("--responses", type=int, default=1_000_000, help="responses to add")
    parser.add_argument("--provinces", type=int, default=len(demo_national.PROVINCES),
                        help="the first N of the 34 provinces (1: ~113 units, 10: ~1,100, 34: ~3,800)")
    parser.add_argument("--tally-every", type=int, default=10,
                        help="chunks of 500,000 responses added to the tally at once")
    parser.add_argument("--seed", type=int, default=2026)
    args = parser.parse_args()
    ensure_database(args.database_url)
    app = create_app({"TESTING": True, "DATABASE_URL": args.database_url})
    engine = get_engine(app)
    migrate.upgrade(engine)
    load_before = os.getloadavg()
    started = time.perf_counter()
    result = demo.seed(engine, responses=args.responses, seed=args.seed,
                       build=demo_national.builder(args.provinces), tally_every=args.tally_every,
                       progress=lambda line: print(f"{line} (load {os.getloadavg()[0]:.1f})", flush=True))
    seconds = time.perf_counter() - started
    with Session(engine) as session:
        total = session.execute(select(func.count()).select_from(Response)).scalar()
        units = session.execute(select(func.count()).select_from(Unit)).scalar()
    record = {
        "at": datetime.now(UTC).isoformat(timespec="seconds"),
        "database": make_url(args.database_url).database,
        "dialect": engine.dialect.name, "provinces": args.provinces, "units": units,
        "counters": result.counters, "added": args.responses, "responses": total,
        "seconds": round(seconds, 1), "per_second": round(args.responses / seconds),
        "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024),
        "load_before": [round(x, 2) for x in load_before],
        "load_after": [round(x, 2) for x in os.getloadavg()],
    }
    with RECORD.open("a", encoding="utf-8") as out:
        out.write(json.dumps(record) + "\n")
    print(json.dumps(record))


if __name__ == "__main__":
    main()
