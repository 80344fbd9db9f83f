"""Profile survey submissions in-process (Flask test client, no HTTP server) and print what costs what.

Run from the repository root:  python benchmarks/submit/inprocess.py [--count 3000] [--postgres URL]
Every POST is a new response from one counter and one client, as in run.py; the figures are CPU and
database time of one process, with the mean time per submission over the first and the last 300.
"""

import argparse
import cProfile
import io
import os
import pstats
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parents[1]))
sys.path.insert(0, str(HERE))

from run import SECRET, TOKEN, prepare_postgres, seed  # noqa: E402

from survey import create_app  # noqa: E402
from survey.web.submission import make_ticket  # noqa: E402
from tests.helpers import answers  # noqa: E402


def main() -> None:
    """Seed, submit --count responses under cProfile, print timings and the heaviest functions."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=3000, help="submissions to profile")
    parser.add_argument("--postgres", default="", help="PostgreSQL URL (default: a SQLite file)")
    parser.add_argument("--top", type=int, default=35, help="functions to print")
    parser.add_argument("--sort", default="cumulative", help="pstats sort key (cumulative, tottime)")
    parser.add_argument("--floor", action="store_true", help="profile floor.py, not the app")
    parser.add_argument("--save", default="", help="also write the profile to this file (pstats)")
    parser.add_argument("--cpu-only", action="store_true", help="print the CPU per submission, no profile")
    options = parser.parse_args()
    url = (prepare_postgres(options.postgres) if options.postgres
           else f"sqlite:///{tempfile.mkdtemp(prefix='hailong-profile-')}/bench.sqlite")
    seed(url)
    app = create_app({"SECRET_KEY": SECRET, "DATABASE_URL": url, "RATELIMIT_ENABLED": False,
                      "WTF_CSRF_ENABLED": False, "LOG_REQUESTS": False})
    if options.floor:
        os.environ["DATABASE_URL"] = url
        import floor

        client = floor.app.test_client()
    else:
        client = app.test_client()
    body = answers() | {"comment": "Cán bộ nhiệt tình"}
    with app.test_request_context():
        tickets = [make_ticket(rendered_at=time.time() - 120) for _ in range(options.count + 50)]
    for ticket in tickets[:50]:  # warm-up: imports, connections, caches
        assert client.post(f"/c/{TOKEN}", data=body | {"ticket": ticket}).status_code == 303
    cpu_started = time.process_time()
    for ticket in tickets[50:]:  # without the profiler: wall and CPU time of this process
        assert client.post(f"/c/{TOKEN}", data=body | {"ticket": ticket}).status_code == 303
    cpu = (time.process_time() - cpu_started) / options.count
    if options.cpu_only:
        print(f"{'floor' if options.floor else 'survey'}: {1000 * cpu:.2f} ms of CPU per submission")
        return
    with app.test_request_context():
        tickets = [make_ticket(rendered_at=time.time() - 120) for _ in range(options.count)]
    durations = []
    profiler = cProfile.Profile(time.process_time)  # CPU time: waiting on the database is left out
    for ticket in tickets:
        started = time.perf_counter()
        profiler.enable()
        status = client.post(f"/c/{TOKEN}", data=body | {"ticket": ticket}).status_code
        profiler.disable()
        durations.append(time.perf_counter() - started)
        assert status == 303, status
    def mean(part: list[float]) -> str:
        return f"{1000 * sum(part) / len(part):.2f} ms"

    database = "PostgreSQL" if options.postgres else "SQLite"
    print(f"{'floor' if options.floor else 'survey'}: {1000 * cpu:.2f} ms of CPU per submission in-process "
          f"(without the profiler; the database's own CPU comes on top)")
    print(f"{options.count} submissions, {database}: mean {mean(durations)}, "
          f"first 300 {mean(durations[:300])}, last 300 {mean(durations[-300:])} (test client, profiler on)")
    if options.save:
        profiler.dump_stats(options.save)
    out = io.StringIO()
    pstats.Stats(profiler, stream=out).sort_stats(options.sort).print_stats(options.top)
    print(out.getvalue())


if __name__ == "__main__":
    main()
