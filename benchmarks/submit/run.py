"""Benchmark the survey POST under gunicorn (SQLite, PostgreSQL) against the stack's floor and ceiling.

The floor (floor.py) stores the same rows with no validation; the ceiling (ceiling.py) stores nothing.

Run from the repository root:  python benchmarks/submit/run.py [--seconds 10] [--workers 4]
Needs wrk (installed with apt-get when missing) and, for PostgreSQL, a server at --postgres.
Everything stays on 127.0.0.1; the figures it prints go into README.md by hand.
"""

import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlencode

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
sys.path.insert(0, str(ROOT))

from sqlalchemy import create_engine, func, text  # noqa: E402
from sqlmodel import Session, SQLModel, select  # noqa: E402

from survey import create_app  # noqa: E402
from survey.instruments.catalogue import ensure_instruments  # noqa: E402
from survey.models import Counter, Response, Service, Unit, UnitService  # noqa: E402
from survey.web.submission import make_ticket  # noqa: E402
from tests.helpers import answers  # noqa: E402
from tests.server import free_port, gunicorn  # noqa: E402

SECRET = "benchmark-secret-key-not-for-production"
TOKEN = "benchmark-counter-token"
SCHEMA = "bench_submit"


def main() -> None:
    """Run every configuration and print a Markdown table."""
    options = parse_arguments()
    if shutil.which("wrk") is None:
        subprocess.run(["apt-get", "install", "-y", "-qq", "wrk"], check=True)
    workdir = Path(tempfile.mkdtemp(prefix="hailong-bench-"))
    print(f"load average at the start: {os.getloadavg()[0]:.1f}", flush=True)
    rows = []
    databases = ["SQLite"] if options.sqlite else []
    databases += ["PostgreSQL"] if options.postgres else []
    for name in databases:
        for label, app in (("survey POST", "survey:create_app()"), ("floor: same inserts", "floor:app")):
            # A fresh database for each row: both start from the same empty tables.
            url = (f"sqlite:///{workdir / f'bench-{len(rows)}.sqlite'}" if name == "SQLite"
                   else prepare_postgres(options.postgres))
            seed(url)
            result = load(options, workdir, url=url, app=app)
            result["stored"] = stored(url)
            rows.append((f"{label}, {name}", result))
    rows.append(("do-nothing Flask POST", load(options, workdir, url=None, app="ceiling:app")))
    print(f"load average at the end: {os.getloadavg()[0]:.1f}\n")
    print_table(options, rows)


def parse_arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=int, default=10, help="measured seconds per configuration")
    parser.add_argument("--workers", type=int, default=4, help="gunicorn sync workers")
    parser.add_argument("--connections", type=int, default=16, help="concurrent wrk connections")
    parser.add_argument("--no-sqlite", dest="sqlite", action="store_false", help="skip SQLite")
    parser.add_argument("--postgres", default="postgresql+psycopg://postgres@127.0.0.1:5432/test",
                        help="PostgreSQL URL ('' to skip); the benchmark uses its own schema")
    return parser.parse_args()


def prepare_postgres(url: str) -> str:
    """Create an empty schema for the benchmark; return a URL that uses it."""
    engine = create_engine(url)
    with engine.begin() as connection:
        connection.execute(text(f"DROP SCHEMA IF EXISTS {SCHEMA} CASCADE"))
        connection.execute(text(f"CREATE SCHEMA {SCHEMA}"))
    engine.dispose()
    return f"{url}{'&' if '?' in url else '?'}options=-csearch_path%3D{SCHEMA}"


def seed(url: str) -> None:
    """Create the tables and one unit with a counter and a procedure."""
    app = create_app({"SECRET_KEY": SECRET, "DATABASE_URL": url, "TESTING": True})
    from survey.db import get_engine

    engine = get_engine(app)
    SQLModel.metadata.create_all(engine)
    with Session(engine) as session:
        ensure_instruments(session)
        unit = Unit(code="BENCH", name="Đơn vị đo tải", kind="commune", path="/")
        service = Service(code="1.000000", name="Thủ tục đo tải", field="Đo tải")
        session.add_all([unit, service])
        session.flush()
        unit.path = f"/{unit.id}/"
        session.add_all([Counter(unit_id=unit.id, name="Quầy 1", token=TOKEN),
                         UnitService(unit_id=unit.id, service_id=service.id)])
        session.commit()
    engine.dispose()


def stored(url: str) -> int:
    """Count the responses in the database."""
    engine = create_engine(url)
    with Session(engine) as session:
        count = session.exec(select(func.count()).select_from(Response)).one()
    engine.dispose()
    return count


def load(options: argparse.Namespace, workdir: Path, *, url: str | None, app: str) -> dict:
    """Serve a WSGI app (the survey or the floor on url, or the ceiling) and measure it with wrk."""
    (workdir / "tickets.txt").write_text("\n".join(new_tickets(options.seconds * 4000)) + "\n")
    write_body(workdir)
    port = free_port()
    server = gunicorn(
        database_url=url or "sqlite://", secret_key=SECRET, port=port, workers=options.workers,
        env=server_env(), app=app,
    )
    with server:
        wrk(options, workdir, port, seconds=2)  # warm-up: imports, connections, caches
        output = wrk(options, workdir, port, seconds=options.seconds)
    return parse_wrk(output)


def new_tickets(count: int) -> list[str]:
    """Return signed tickets of pages rendered two minutes ago: each posts a new response."""
    with create_app({"SECRET_KEY": SECRET, "DATABASE_URL": "sqlite://"}).test_request_context():
        return [make_ticket(rendered_at=time.time() - 120) for _ in range(count)]


def write_body(workdir: Path) -> None:
    """Write the posted form (every SIPAS answer and a comment) where post.lua reads it."""
    (workdir / "body.txt").write_text(urlencode(answers() | {"comment": "Cán bộ nhiệt tình"}))


def server_env() -> dict[str, str]:
    """Return the server's environment additions: this folder and the project importable."""
    return {"PYTHONPATH": os.pathsep.join(filter(None, [str(HERE), str(ROOT), os.environ.get("PYTHONPATH")]))}


def wrk(options: argparse.Namespace, workdir: Path, port: int, *, seconds: int) -> str:
    """Run wrk against the counter URL; return its report."""
    command = [
        "wrk", "-t2", f"-c{options.connections}", f"-d{seconds}s", "--latency",
        "-s", str(HERE / "post.lua"), f"http://127.0.0.1:{port}/c/{TOKEN}",
        "--", str(workdir / "tickets.txt"), "2", str(workdir / "body.txt"),
    ]
    return subprocess.run(command, check=True, capture_output=True, text=True).stdout


def parse_wrk(output: str) -> dict:
    """Pick throughput, latency percentiles and errors out of wrk's report."""
    def milliseconds(value: str) -> float:
        number, unit = re.fullmatch(r"([\d.]+)(us|ms|s)", value).groups()
        return float(number) * {"us": 0.001, "ms": 1, "s": 1000}[unit]

    percentiles = dict(re.findall(r"^\s+(50|99)%\s+(\S+)\s*$", output, re.M))
    bad = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
    errors = re.search(r"Socket errors: (.*)$", output, re.M)
    return {
        "rps": float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1)),
        "requests": int(re.search(r"(\d+) requests in", output).group(1)),
        "p50": milliseconds(percentiles["50"]),
        "p99": milliseconds(percentiles["99"]),
        "bad": int(bad.group(1)) if bad else 0,
        "socket_errors": errors.group(1) if errors else "none",
    }


def print_table(options: argparse.Namespace, rows: list[tuple[str, dict]]) -> None:
    """Print a Markdown table: each survey row's share of its database's floor and of the ceiling."""
    ceiling = rows[-1][1]["rps"]
    floors = {name.split(", ")[-1]: r["rps"] for name, r in rows if name.startswith("floor")}
    print(f"{os.cpu_count()} cores, gunicorn {options.workers} sync workers, wrk 2 threads "
          f"{options.connections} connections, {options.seconds} s per row (after 2 s warm-up)\n")
    print("| configuration | requests/s | p50 ms | p99 ms | share of floor | share of ceiling | non-3xx "
          "| stored |\n|---|---:|---:|---:|---:|---:|---:|---:|")
    for name, r in rows:
        floor = floors.get(name.split(", ")[-1]) if name.startswith("survey") else None
        share = f"{r['rps'] / floor:.0%}" if floor else "–"
        print(f"| {name} | {r['rps']:.0f} | {r['p50']:.1f} | {r['p99']:.1f} | {share} "
              f"| {r['rps'] / ceiling:.0%} | {r['bad']} | {r.get('stored', '–')} |")


if __name__ == "__main__":
    main()
