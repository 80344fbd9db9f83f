"""Page timings and worker memory on a national demo, through the app's test client, signed in.

Run by run.py, each part in its own process (`python pages.py URL pages|tour ...`), printing one
JSON line. Users scoped to the nation, to one province and to one commune are added when missing
(bench-nation, bench-province, bench-commune; password hailong-demo).
"""

import argparse
import json
import random
import statistics
import sys
import uuid

from sqlmodel import Session, select

from benchmarks.pages.run import timed
from survey import create_app, freeze_loaded, instruments
from survey.core.passwords import hash_password
from survey.core.responses import record_response
from survey.db import get_engine
from survey.instruments.catalogue import row_for
from survey.models import Counter, Role, Unit, User
from survey.periods import local_today
from survey.scores import cache

PASSWORD = "hailong-demo"


def rss_mb(field: str = "VmRSS") -> float:
    """Return this process's resident memory (VmRSS), or its peak so far (VmHWM), in MB."""
    with open("/proc/self/status", encoding="ascii") as status:
        for line in status:
            if line.startswith(f"{field}:"):
                return int(line.split()[1]) / 1024
    return 0.0


def percentile(values: list[float], share: float) -> float:
    """Return the nearest-rank percentile of some timings."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(share * len(ordered)) - 1))]


def periods() -> list[str]:
    """Return filters over the last year: the year, quarters and months that hold demo data."""
    today = local_today()
    quarter = (today.month - 1) // 3 + 1
    previous = (today.year, quarter - 1) if quarter > 1 else (today.year - 1, 4)
    months = [f"{today.year}-{today.month:02d}", f"{previous[0]}-{3 * previous[1]:02d}"]
    return ["", str(today.year), f"{today.year}-Q{quarter}", f"{previous[0]}-Q{previous[1]}", *months]


def app_for(url: str):
    """Return an app on the database, as a worker would run it (no CSRF for the test client)."""
    app = create_app({"DATABASE_URL": url, "SESSION_COOKIE_SECURE": False, "WTF_CSRF_ENABLED": False})
    freeze_loaded()  # as survey.wsgi does before gunicorn forks
    return app


def scopes(app) -> dict[str, tuple[str, str]]:
    """Return the nation, the largest province and one of its communes; add their benchmark users."""
    with app.app_context(), Session(get_engine(app)) as session:
        units = session.exec(select(Unit).order_by(Unit.id)).all()
        root = next(unit for unit in units if unit.parent_id is None)
        provinces = [unit for unit in units if unit.kind == "province"] or [root]
        sizes = {p.id: sum(unit.path.startswith(p.path) for unit in units) for p in provinces}
        province = max(provinces, key=lambda p: sizes[p.id])
        commune = next(unit for unit in units if unit.kind in ("commune", "ward")
                       and unit.path.startswith(province.path))
        picked = {"nation": root, "province": province, "commune": commune}
        found = {level: (unit.code, unit.path) for level, unit in picked.items()}
        for level, unit in picked.items():
            if session.exec(select(User).where(User.username == f"bench-{level}")).first() is None:
                session.add(User(username=f"bench-{level}", password_hash=hash_password(PASSWORD),
                                 role=Role.UNIT_MANAGER, unit_id=unit.id))
        session.commit()
        return found


def signed_in(app, level: str):
    """Return a test client signed in as the benchmark user of a level."""
    client = app.test_client()
    answer = client.post("/login", data={"username": f"bench-{level}", "password": PASSWORD})
    if answer.status_code != 303:
        sys.exit(f"cannot sign in as bench-{level}")
    return client



def add_responses(app, n: int, rng: random.Random, counters: list[tuple[int, int]]) -> None:
    """Record n SIPAS responses at random counters of the scope, as the survey does (one commit)."""
    instrument = instruments.load("sipas-service")
    with app.app_context(), Session(get_engine(app)) as session:
        row = row_for(session, "sipas-service")
        for _ in range(n):
            counter_id, unit_id = rng.choice(counters)
            values = {item.code: rng.choice((3, 4, 5, 5)) for item in instrument.scored_items}
            record_response(session, instrument_row=row, unit_id=unit_id, counter_id=counter_id,
                            channel="counter-qr", values=values, idempotency_key=uuid.uuid4().hex)
        session.commit()


def summary(values: list[float]) -> dict:
    """Return p50, p95 and max of timings, rounded."""
    return {"p50": round(statistics.median(values)), "p95": round(percentile(values, 0.95)),
            "max": round(max(values)), "n": len(values)}


def pages(url: str, level: str, rounds: int, limit: int) -> dict:
    """Time one level's overview and unit pages: cold, new filters, new data arriving, repeat."""
    app = app_for(url)
    picked = scopes(app)
    scope_code, scope_path = picked[level]
    client = signed_in(app, level)
    with app.app_context(), Session(get_engine(app)) as session:
        units = session.exec(select(Unit.code, Unit.kind).where(Unit.path.startswith(scope_path))
                             .order_by(Unit.id)).all()
        counters = [(c.id, c.unit_id) for c in session.exec(
            select(Counter).join(Unit, Unit.id == Counter.unit_id).where(Unit.path.startswith(scope_path)))]
    rng = random.Random(7)
    # Unit pages: the scope itself and a few units of every kind inside it.
    kinds: dict[str, list[str]] = {}
    for code, kind in units:
        kinds.setdefault(kind, []).append(code)
    sample = [scope_code] + [code for codes in kinds.values()
                             for code in rng.sample(codes, min(2, len(codes)))]
    overview = [f"/manage/?period={p}" for p in periods()] + ["/manage/?channel=paper"]
    unit_pages = [f"/manage/unit/{code}?period={p}" for code in dict.fromkeys(sample)
                  for p in rng.sample(periods(), 2)]
    overview, unit_pages = overview[:limit], unit_pages[:limit]
    before = rss_mb()
    cold = {"overview": timed(client, overview[0]), "unit": timed(client, unit_pages[0])}
    result: dict = {"level": level, "scope": scope_code, "units_in_scope": len(units),
                    "rss_before_mb": round(before), "cold_overview_ms": round(cold["overview"]),
                    "cold_unit_ms": round(cold["unit"])}
    for kind, urls in (("overview", overview), ("unit", unit_pages)):
        fresh, changed, repeat = [], [], []
        for _ in range(rounds):
            for page in urls:
                with app.app_context():
                    cache.clear()
                fresh.append(timed(client, page))
                repeat.append(timed(client, page))
                add_responses(app, 20, rng, counters)
                changed.append(timed(client, page))
        result[f"{kind}_new_filters"] = summary(fresh)
        result[f"{kind}_new_data"] = summary(changed)
        result[f"{kind}_repeat"] = summary(repeat)
    result["rss_after_mb"] = round(rss_mb())
    return result


def tour(url: str, count: int) -> dict:
    """Visit `count` random scopes (unit pages, random periods) signed in as the nation; VmRSS after."""
    app = app_for(url)
    scopes(app)
    client = signed_in(app, "nation")
    with app.app_context(), Session(get_engine(app)) as session:
        codes = session.exec(select(Unit.code).order_by(Unit.id)).all()
    rng = random.Random(11)
    before = rss_mb()
    first = timed(client, "/manage/")
    after_first = rss_mb()
    times = [timed(client, f"/manage/unit/{code}?period={rng.choice(periods())}")
             for code in rng.sample(codes, min(count, len(codes)))]
    return {"scopes": len(times), "rss_before_mb": round(before), "first_overview_ms": round(first),
            "rss_after_overview_mb": round(after_first), "rss_after_tour_mb": round(rss_mb()),
            "rss_peak_mb": round(rss_mb("VmHWM")),
            "tour": summary(times)}


def main() -> None:
    """Run one part and print its JSON line."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("database_url")
    parser.add_argument("part", choices=["pages", "tour"])
    parser.add_argument("--level", choices=["nation", "province", "commune"], default="nation")
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--scopes", type=int, default=100)
    parser.add_argument("--pages", type=int, default=100, help="at most this many URLs of each page kind")
    args = parser.parse_args()
    if args.part == "pages":
        print(json.dumps(pages(args.database_url, args.level, args.rounds, args.pages)))
    else:
        print(json.dumps(tour(args.database_url, args.scopes)))


if __name__ == "__main__":
    main()
