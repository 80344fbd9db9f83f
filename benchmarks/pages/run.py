"""Time the manager overview and unit pages on a demo database (1 million responses in the README).

    FLASK_SECRET_KEY=… python benchmarks/pages/run.py DATABASE_URL [--rounds 5]

Signs in as the demo manager (province scope) through the app's test client, so the times are
server-side: queries, scoring and rendering, without the network. Three figures per page kind:

- cold: the first request of a fresh process (it reads the stored tally, survey/scores/tally/);
- new filters: the app's result cache emptied before every request, the tally kept in memory (what
  a manager sees when choosing a period, unit or channel nobody asked for since the data changed);
- new data: 20 new SIPAS responses recorded before every request (they wait in the tally's queue,
  and a read folds them in when more than TALLY_FOLD_AT wait), so no cached result is valid;
- repeat: the same request again (served from the result cache).
"""

import argparse
import random
import statistics
import sys
import time
import uuid

from sqlmodel import Session, select

from survey import create_app, freeze_loaded, instruments
from survey.core.responses import record_response
from survey.db import get_engine
from survey.instruments.catalogue import row_for
from survey.models import Counter, Unit
from survey.scores import cache

PERIODS = ["", "2026", "2026-Q3", "2026-Q4", "2026-07", "2026-10"]


def percentile(values: list[float], share: float) -> float:
    """Return the nearest-rank percentile of some timings."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(share * len(ordered)) - 1))]


def timed(client, url: str) -> float:
    """Request a page; return milliseconds (and fail loudly on anything but 200)."""
    started = time.perf_counter()
    response = client.get(url)
    elapsed = (time.perf_counter() - started) * 1000
    if response.status_code != 200:
        sys.exit(f"{url} answered {response.status_code}")
    return elapsed


def urls(app) -> tuple[list[str], list[str]]:
    """Return overview URLs (each period, some channels) and unit page URLs (units of every kind)."""
    with Session(get_engine(app)) as session:
        units = session.exec(select(Unit).order_by(Unit.id)).all()
    picked = {}
    for unit in units:
        picked.setdefault(unit.kind, []).append(unit.code)
    sample = [code for codes in picked.values() for code in codes[:3]]
    overview = [f"/manage/?period={p}" for p in PERIODS] + [
        "/manage/?channel=paper", "/manage/?flagged=exclude&period=2026",
        "/manage/?channel=kiosk&period=2026",
    ]
    unit_pages = [f"/manage/unit/{code}?period={p}" for code in sample for p in ("", "2026-Q3")]
    return overview, unit_pages


def add_responses(app, n: int, rng: random.Random) -> None:
    """Record n SIPAS responses at random counters, the way the survey does (one commit)."""
    instrument = instruments.load("sipas-service")
    with app.app_context(), Session(get_engine(app)) as session:
        row = row_for(session, "sipas-service")
        counters = session.exec(select(Counter)).all()
        for _ in range(n):
            counter = rng.choice(counters)
            values = {item.code: rng.choice((3, 4, 5, 5)) for item in instrument.scored_items}
            record_response(session, instrument_row=row, unit_id=counter.unit_id, counter_id=counter.id,
                            channel="counter-qr", values=values, idempotency_key=uuid.uuid4().hex)
        session.commit()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("database_url")
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--slowest", type=int, default=0,
                        help="Also list the slowest new-filter and new-data requests.")
    args = parser.parse_args()
    app = create_app({"DATABASE_URL": args.database_url, "SESSION_COOKIE_SECURE": False,
                      "WTF_CSRF_ENABLED": False})
    freeze_loaded()  # as survey.wsgi does for gunicorn
    client = app.test_client()
    if client.post("/login", data={"username": "manager", "password": "hailong-demo"}).status_code != 303:
        sys.exit("cannot sign in as the demo manager (run `flask demo` first)")
    overview, unit_pages = urls(app)
    cold = {"overview": timed(client, overview[0]), "unit": timed(client, unit_pages[0])}
    fresh = {"overview": [], "unit": []}
    repeat = {"overview": [], "unit": []}
    changed = {"overview": [], "unit": []}
    rng = random.Random(7)
    slow = []
    for _ in range(args.rounds):
        for kind, pages in (("overview", overview), ("unit", unit_pages)):
            for url in pages:
                with app.app_context():
                    cache.clear()
                fresh[kind].append(timed(client, url))
                repeat[kind].append(timed(client, url))
                add_responses(app, 20, rng)
                changed[kind].append(timed(client, url))
                slow += [(fresh[kind][-1], "new filters", url), (changed[kind][-1], "new data", url)]
    dialect = get_engine(app).dialect.name
    print("| database | page | cold (ms) | new filters p50 / p95 / max (ms) | new data p50 / p95 / max (ms) "
          "| repeat p50 / p95 (ms) | requests |")
    print("|---|---|---|---|---|---|---|")
    for kind in ("overview", "unit"):
        f, c, r = fresh[kind], changed[kind], repeat[kind]
        print(f"| {dialect} | {kind} | {cold[kind]:.0f} "
              f"| {statistics.median(f):.0f} / {percentile(f, 0.95):.0f} / {max(f):.0f} "
              f"| {statistics.median(c):.0f} / {percentile(c, 0.95):.0f} / {max(c):.0f} "
              f"| {statistics.median(r):.0f} / {percentile(r, 0.95):.0f} | {len(f) + len(c) + len(r)} |")
    for ms, kind, url in sorted(slow, reverse=True)[:args.slowest]:
        print(f"{ms:8.0f} ms  {kind:12} {url}")


if __name__ == "__main__":
    main()
