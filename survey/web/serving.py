"""Running in production: the proxy in front, request logs, /metrics, folds after writes, cookie checks."""

import ipaddress
import json
import logging
import os
import re
import sys
import time
import uuid

from flask import Flask, Response, abort, current_app, g, request, session
from prometheus_client import REGISTRY, CollectorRegistry, Counter, Histogram, generate_latest, multiprocess
from prometheus_client.exposition import CONTENT_TYPE_LATEST
from sqlalchemy.exc import SQLAlchemyError
from werkzeug.middleware.proxy_fix import ProxyFix

from survey.db import get_engine
from survey.scores import tally
from survey.web.security import redact

log = logging.getLogger("survey.requests")

#: Paths that carry a capability (a receipt's signed token) are logged without it.
#: A request id from the proxy (nginx's $request_id) is kept when it looks like one.
REQUEST_ID = re.compile(r"^[A-Za-z0-9-]{8,64}$")
#: Endpoints whose successful POSTs are citizens' or kiosks' submissions.
SUBMISSIONS = {"respond.counter_survey": "counter", "respond.receipt_survey": "receipt",
               "kiosk.start": "kiosk", "api.submit_responses": "api"}

REQUESTS = Counter("hailong_http_requests", "HTTP requests answered", ["method", "endpoint", "status"])
DURATION = Histogram("hailong_http_request_duration_seconds", "Time to answer a request", ["endpoint"],
                     buckets=(0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10))
SUBMITTED = Counter("hailong_submissions", "Successful submission requests (a kiosk or API batch is one)",
                    ["channel"])
FOLDS = Counter("hailong_tally_folds", "Folds of the tally queue run after write requests")
FOLDED = Counter("hailong_tally_folded_responses", "Responses added to the tally by those folds")


def init_app(app: Flask) -> None:
    """Trust the configured proxies, log every request, serve /metrics and fold after writes."""
    hops = int(app.config["PROXY_FIX"])
    if hops:
        # Each trusted proxy appends one address to X-Forwarded-For; take the one it saw.
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops, x_port=hops)  # type: ignore[method-assign]
    if app.config["LOG_REQUESTS"] and not log.handlers:
        handler = logging.StreamHandler(sys.stdout)
        handler.setFormatter(logging.Formatter("%(message)s"))
        log.addHandler(handler)
        log.setLevel(logging.INFO)
        log.propagate = False
    app.before_request(start_request)
    app.after_request(finish_request)
    app.add_url_rule("/metrics", "metrics", metrics)
    app.jinja_env.globals["insecure_cookie"] = insecure_cookie


def start_request() -> None:
    """Note when the request began and its id (the proxy's, or a new one)."""
    g.started = time.perf_counter()
    given = request.headers.get("X-Request-ID", "")
    g.request_id = given if REQUEST_ID.match(given) else uuid.uuid4().hex


def finish_request(response: Response) -> Response:
    """Log the request as one JSON line, count it, warn about Secure cookies over HTTP, fold after writes."""
    duration = time.perf_counter() - g.get("started", time.perf_counter())
    endpoint = request.endpoint or "unknown"
    response.headers["X-Request-ID"] = g.get("request_id", "")
    REQUESTS.labels(request.method, endpoint, str(response.status_code)).inc()
    DURATION.labels(endpoint).observe(duration)
    written = request.method == "POST" and response.status_code < 400
    if written and endpoint in SUBMISSIONS:
        SUBMITTED.labels(SUBMISSIONS[endpoint]).inc()
    if current_app.config["LOG_REQUESTS"]:
        log.info(json.dumps({
            "time": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()), "request_id": g.get("request_id"),
            "method": request.method, "path": loggable(request.path), "endpoint": endpoint,
            "status": response.status_code, "duration_ms": round(duration * 1000, 1),
            "client": request.remote_addr,
        }))
    warn_secure_cookie_over_http()
    known = g.get("tally_waiting")
    if written and (known is None or known > int(current_app.config["TALLY_FOLD_AT"])):
        app = current_app._get_current_object()  # type: ignore[attr-defined]
        response.call_on_close(lambda: fold_after_write(app, known))
    return response


def queue_counted(waiting: int) -> None:
    """Note the tally queue's length as a write's transaction counted it (the survey counts it in
    its first read and adds its own response): the fold after the answer runs only when it is long.
    """
    g.tally_waiting = waiting


def loggable(path: str) -> str:
    """Return the path with any capability token masked (the access logs' own rule)."""
    return redact(path)


def fold_after_write(app: Flask, known: int | None = None) -> None:
    """Fold the tally queue on the primary once the response is sent, when it has grown long
    (`known`: its length counted by the write, see queue_counted; else counted here).
    """
    with app.app_context():
        try:
            fold_at = int(app.config["TALLY_FOLD_AT"])
            folded = tally.fold_if_waiting(get_engine(), fold_at=fold_at, known=known)
        except SQLAlchemyError:
            # The responses stay queued (pages still count them) until the next fold succeeds.
            app.logger.exception("Folding the tally after a write failed")
            return
        if folded.responses:
            FOLDS.inc()
            FOLDED.inc(folded.responses)


def insecure_cookie() -> bool:
    """Tell whether sign-in cookies are Secure while this request came over plain HTTP."""
    return bool(current_app.config["SESSION_COOKIE_SECURE"]) and not request.is_secure


def warn_secure_cookie_over_http() -> None:
    """Log once per process why sign-in cannot work: a Secure cookie sent over plain HTTP is dropped."""
    if "hailong_cookie_warned" in current_app.extensions or not insecure_cookie():
        return
    # The session cookie is written after this hook: ask whether it will be.
    if session and current_app.session_interface.should_set_cookie(current_app, session):
        current_app.extensions["hailong_cookie_warned"] = True
        current_app.logger.warning(
            "A Secure session cookie was sent over plain HTTP: browsers drop it and sign-in fails. "
            "Serve over HTTPS (behind a proxy, set FLASK_PROXY_FIX to the number of proxies so the "
            "app sees https), or for a trial on plain HTTP set FLASK_SESSION_COOKIE_SECURE=false."
        )


def metrics():
    """Serve request, submission, fold and queue figures in Prometheus' text format to allowed addresses."""
    allowed = [ipaddress.ip_network(part.strip(), strict=False)
               for part in current_app.config["METRICS_ALLOW"].split(",") if part.strip()]
    try:
        client = ipaddress.ip_address(request.remote_addr or "")
    except ValueError:
        abort(404)
    if not any(client in network for network in allowed):
        abort(404)
    registry = REGISTRY
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        # Under gunicorn every worker writes its figures to that folder; add them all up.
        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)
    body = generate_latest(registry)
    return Response(body + queue_figures().encode(), mimetype=CONTENT_TYPE_LATEST)


def queue_figures() -> str:
    """Return the tally queue's length and the tally's generation, read from the primary."""
    figures = tally.queue_figures(get_engine())
    lines = []
    for name, (help_text, value) in figures.items():
        lines += [f"# HELP hailong_{name} {help_text}", f"# TYPE hailong_{name} gauge",
                  f"hailong_{name} {value}"]
    return "\n".join(lines) + "\n"
