"""Steady submissions: one survey server on one PostgreSQL database, several rounds of wrk in a row,
the folds after writes running as in production (TALLY_FOLD_AT), the table growing between rounds.

run.py measures each configuration on fresh tables for a few seconds; this shows what happens next:
whether throughput holds while the folds run and the tables grow, and whether the tally queue keeps
up (its length after each round). A fold that keeps a worker past gunicorn's 30 s timeout shows in
gunicorn's log as WORKER TIMEOUT.

Run from the repository root:  python benchmarks/submit/steady.py [--rounds 5] [--seconds 8]
"""

import argparse
import os
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parents[1]))
sys.path.insert(0, str(HERE))

from run import (  # noqa: E402
    SECRET,
    new_tickets,
    parse_wrk,
    prepare_postgres,
    seed,
    server_env,
    stored,
    write_body,
    wrk,
)
from sqlalchemy import create_engine  # noqa: E402

from survey.scores.tally.store import waiting  # noqa: E402
from tests.server import free_port, gunicorn  # noqa: E402


def main() -> None:
    """Serve the survey once; run wrk --rounds times, each with new tickets; print a row per round."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--postgres", default="postgresql+psycopg://postgres@127.0.0.1:5432/test",
                        help="PostgreSQL URL; the benchmark uses its own schema")
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--seconds", type=int, default=8, help="seconds per round")
    parser.add_argument("--workers", type=int, default=4, help="gunicorn sync workers")
    parser.add_argument("--connections", type=int, default=16, help="concurrent wrk connections")
    parser.add_argument("--fold-at", default="", help="TALLY_FOLD_AT for the server (default: the app's)")
    options = parser.parse_args()
    url = prepare_postgres(options.postgres)
    seed(url)
    workdir = Path(tempfile.mkdtemp(prefix="hailong-steady-"))
    per_round = options.seconds * 1500  # well above what one round stores
    tickets = new_tickets(options.rounds * per_round)
    write_body(workdir)
    env = server_env()
    if options.fold_at:
        env["FLASK_TALLY_FOLD_AT"] = options.fold_at
    engine = create_engine(url)
    rows = []
    print(f"load average at the start: {os.getloadavg()[0]:.1f}", flush=True)
    port = free_port()
    with gunicorn(database_url=url, secret_key=SECRET, port=port, workers=options.workers, env=env):
        for number in range(options.rounds):
            # New tickets each round: a ticket used before would be an idempotent repeat, not a response.
            mine = tickets[number * per_round:(number + 1) * per_round]
            (workdir / "tickets.txt").write_text("\n".join(mine))
            result = parse_wrk(wrk(options, workdir, port, seconds=options.seconds))
            result["waiting"] = waiting(engine)  # what a fold after a write compares
            result["stored"] = stored(url)
            rows.append(result)
    engine.dispose()
    print(f"load average at the end: {os.getloadavg()[0]:.1f}\n")
    print(f"{os.cpu_count()} cores, gunicorn {options.workers} sync workers, wrk 2 threads "
          f"{options.connections} connections, {options.rounds} rounds of {options.seconds} s in a row\n")
    print("| round | requests/s | p50 ms | p99 ms | non-3xx | stored | waiting to be folded |\n"
          "|---:|---:|---:|---:|---:|---:|---:|")
    for number, r in enumerate(rows, start=1):
        print(f"| {number} | {r['rps']:.0f} | {r['p50']:.1f} | {r['p99']:.1f} | {r['bad']} | {r['stored']} "
              f"| {r['waiting']} |")


if __name__ == "__main__":
    main()
