"""Measure a worker's resident memory as a province admin opens the overview, then tours scopes.

    FLASK_SECRET_KEY=… python benchmarks/pages/memory.py DATABASE_URL [--tour 100] [--cache-mb 128]

One process, as one gunicorn worker would be: it signs in as a province admin of the largest
tree (creating the user `bench-admin` when missing), opens the overview (last 12 months), then
unit pages of `--tour` random units for random periods. Prints resident memory (VmRSS) and its
peak (VmHWM) after each step, page times, and the load average, as a Markdown table row.
"""

import argparse
import os
import random
import statistics
import sys

from run import timed  # benchmarks/pages/run.py: a script's own folder is on sys.path
from sqlalchemy import func
from sqlmodel import Session, select

from survey import create_app
from survey.core.passwords import hash_password
from survey.db import get_engine
from survey.models import Role, Unit, User

PASSWORD = "bench-admin-password"
PERIODS = ["", "2026-Q3", "2026-07", "2026"]


def memory() -> tuple[float, float]:
    """Return this process's resident memory and its peak, in MB."""
    fields = {}
    with open("/proc/self/status") as status:
        for line in status:
            name, _, value = line.partition(":")
            fields[name] = value.split()
    return int(fields["VmRSS"][0]) / 1024, int(fields["VmHWM"][0]) / 1024


def admin_of_largest_tree(app) -> list[str]:
    """Make sure `bench-admin` administers the root with the most units; return every unit code."""
    with Session(get_engine(app)) as session:
        units = session.exec(select(Unit).order_by(Unit.id)).all()
        roots = [u for u in units if u.parent_id is None]
        sizes = {root.id: sum(u.path.startswith(root.path) for u in units) for root in roots}
        root = max(roots, key=lambda r: sizes[r.id])
        user = session.exec(select(User).where(User.username == "bench-admin")).first()
        if user is None:
            session.add(User(username="bench-admin", password_hash=hash_password(PASSWORD),
                             role=Role.PROVINCE_ADMIN, unit_id=root.id))
            session.commit()
        return [u.code for u in units if u.path.startswith(root.path)]



def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("database_url")
    parser.add_argument("--tour", type=int, default=100)
    parser.add_argument("--cache-mb", type=float, default=None, help="TALLY_CACHE_MB (default: the app's)")
    parser.add_argument("--label", default="")
    args = parser.parse_args()
    config = {"DATABASE_URL": args.database_url, "SESSION_COOKIE_SECURE": False, "WTF_CSRF_ENABLED": False}
    if args.cache_mb is not None:
        config["TALLY_CACHE_MB"] = args.cache_mb
    app = create_app(config)
    codes = admin_of_largest_tree(app)
    with Session(get_engine(app)) as session:
        every = session.exec(select(func.count()).select_from(Unit)).one()
    client = app.test_client()
    if client.post("/login", data={"username": "bench-admin", "password": PASSWORD}).status_code != 303:
        sys.exit("cannot sign in as bench-admin")
    started = memory()[0]
    first = timed(client, "/manage/")
    after_overview = memory()
    rng = random.Random(19)
    times = [timed(client, f"/manage/unit/{rng.choice(codes)}?period={rng.choice(PERIODS)}")
             for _ in range(args.tour)]
    toured = memory()
    ordered = sorted(times)
    p95 = ordered[min(len(ordered) - 1, round(0.95 * len(ordered)) - 1)]
    load = os.getloadavg()
    print("| run | units | RSS before (MB) | first overview (ms) | RSS after overview (MB) "
          "| tour p50 / p95 / max (ms) | RSS after tour / peak (MB) | load average |")
    print("|---|---|---|---|---|---|---|---|")
    print(f"| {args.label} | {len(codes):,} (of {every:,}) | {started:.0f} | {first:.0f} "
          f"| {after_overview[0]:.0f} | {statistics.median(times):.0f} / {p95:.0f} / {max(times):.0f} "
          f"| {toured[0]:.0f} / {toured[1]:.0f} | {load[0]:.2f} {load[1]:.2f} {load[2]:.2f} |")


if __name__ == "__main__":
    main()
