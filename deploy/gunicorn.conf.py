"""gunicorn settings for production: `gunicorn -c /etc/hailong/gunicorn.conf.py survey.wsgi:app`.

A file apart from the package on purpose: gunicorn reads it before it imports the app, so the
environment it sets (the /metrics folder of the workers) is in place when the app starts.

Workers default to two per core plus one (sync workers: each request holds one; the database is
what they wait on). HAILONG_BIND and HAILONG_WORKERS override the address and the count, and
gunicorn's own options on the command line override everything here.
"""

import multiprocessing
import os
import shutil
import tempfile

bind = os.environ.get("HAILONG_BIND", "127.0.0.1:8000")
workers = int(os.environ.get("HAILONG_WORKERS") or multiprocessing.cpu_count() * 2 + 1)
worker_class = "sync"
#: Exports of a province-wide year take a while; nothing else comes close.
timeout = 120
graceful_timeout = 30
#: nginx keeps connections to the app open between requests.
keepalive = 5
#: Recycle workers now and then so that no slow leak grows for weeks.
max_requests = 5000
max_requests_jitter = 500
#: Import the app once in the master: workers fork with it loaded (less memory, faster restarts).
preload_app = True
#: The app writes one JSON line per request itself (survey/web/serving.py, receipt tokens masked).
accesslog = None
errorlog = "-"
loglevel = "info"

# /metrics adds up the figures of every worker: they share a folder. It must be set before the app
# (and prometheus_client) is imported, which happens after this file is read.
os.environ.setdefault("PROMETHEUS_MULTIPROC_DIR", tempfile.mkdtemp(prefix="hailong-metrics-"))


def on_starting(server):
    """Start with an empty figures folder (a restart begins counting again)."""
    folder = os.environ["PROMETHEUS_MULTIPROC_DIR"]
    shutil.rmtree(folder, ignore_errors=True)
    os.makedirs(folder, exist_ok=True)


def child_exit(server, worker):
    """Drop a dead worker's live gauges."""
    from prometheus_client import multiprocess

    multiprocess.mark_process_dead(worker.pid)
