"""Time a large tree's overview and root unit page, cold and for new filters: tally groups read, memory.

    FLASK_SECRET_KEY=… PYTHONPATH=. python benchmarks/pages/overview.py DATABASE_URL [--label TEXT]

One process, as one gunicorn worker: signs in as a province admin of the largest tree (the user
`bench-admin` of memory.py, created when missing), then requests

- cold: the overview (last 12 months), the first request of the process;
- new filters: each URL of OVERVIEWS with the result cache emptied before it (the tally cells the
  process holds are kept, as in a running worker);
- the root's unit page (last 12 months, then with flagged responses left out), cache emptied.

Prints a Markdown table: times, the stored tally groups the cold overview read (per grain; a
group in the process's cell cache is not read again) and resident memory and its peak.
"""

import argparse
import os
import statistics
import sys
from collections import Counter

from benchmarks.pages.memory import PASSWORD, admin_of_largest_tree, memory, timed
from survey import create_app
from survey.scores import cache
from survey.scores.tally import cells

OVERVIEWS = ["/manage/?period=2026", "/manage/?period=2026-Q3", "/manage/?period=2026-07",
             "/manage/?flagged=exclude", "/manage/?flagged=exclude&period=2026-Q3"]


def count_reads(fetched: Counter) -> None:
    """Count the stored groups the pages read from table tally, per grain (wrapping cells.read)."""
    original = cells.read

    def read(connection, grain, instrument_ids, unit_ids, months, **options):
        found = original(connection, grain, instrument_ids, unit_ids, months, **options)
        fetched[grain] += sum(len(rows) for rows in found.values())
        return found

    cells.read = read



def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("database_url")
    parser.add_argument("--label", default="")
    args = parser.parse_args()
    app = create_app({"DATABASE_URL": args.database_url, "SESSION_COOKIE_SECURE": False,
                      "WTF_CSRF_ENABLED": False})
    codes = admin_of_largest_tree(app)
    fetched: Counter[str] = Counter()
    count_reads(fetched)
    client = app.test_client()
    if client.post("/login", data={"username": "bench-admin", "password": PASSWORD}).status_code != 303:
        sys.exit("cannot sign in as bench-admin")
    start = memory()[0]
    cold = timed(client, "/manage/")
    after_cold = memory()
    cold_reads = dict(fetched)
    fetched.clear()
    fresh = []
    for url in OVERVIEWS:
        with app.app_context():
            cache.clear()
        fresh.append(timed(client, url))
    root = codes[0]
    unit = []
    for url in (f"/manage/unit/{root}", f"/manage/unit/{root}?flagged=exclude"):
        with app.app_context():
            cache.clear()
        unit.append(timed(client, url))
    end = memory()
    later = ", ".join(f"{g} {n:,}" for g, n in sorted(fetched.items()))
    load = os.getloadavg()
    print("| run | units | cold overview (ms) | tally groups read by the cold overview "
          "| new-filter overviews p50 / max (ms) | root unit page, flagged toggle (ms) "
          "| RSS before / after cold / after all / peak (MB) | load average |")
    print("|---|---|---|---|---|---|---|---|")
    grains = ", ".join(f"{g} {n:,}" for g, n in sorted(cold_reads.items()))
    print(f"| {args.label} | {len(codes):,} | {cold:,.0f} | {grains} | {statistics.median(fresh):,.0f} / "
          f"{max(fresh):,.0f} | {unit[0]:,.0f}, {unit[1]:,.0f} | {start:.0f} / {after_cold[0]:.0f} / "
          f"{end[0]:.0f} / {end[1]:.0f} | {load[0]:.2f} {load[1]:.2f} {load[2]:.2f} |")
    print(f"Groups read after the cold overview (new filters, root unit page): {later}")


if __name__ == "__main__":
    main()
