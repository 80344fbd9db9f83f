"""What every response and request passes through: security headers, no caching of private pages,
refusal of text no database can store, and access logs without receipt tokens (docs/security.md)."""

import logging
import re
import traceback

from flask import Flask, abort, request
from flask_babel import gettext as _
from sqlalchemy.exc import DBAPIError
from werkzeug.routing import IntegerConverter

#: Pages and scripts come from this site only. Styles may be inline (the survey page inlines its
#: CSS to load in one round trip on slow 3G; posters size themselves per paper); scripts may not.
#: The kiosk's service worker is a script of this site (worker-src), its sync a fetch (connect-src).
CONTENT_SECURITY_POLICY = "; ".join([
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self' 'unsafe-inline'",
    "img-src 'self' data:",
    "connect-src 'self'",
    "worker-src 'self'",
    "manifest-src 'self'",
    "object-src 'none'",
    "base-uri 'none'",
    "form-action 'self'",
    "frame-ancestors 'none'",
])
#: Pages that show what only signed-in people (or one mail's reader) may see: never kept by a
#: browser or a proxy.
PRIVATE_PREFIXES = ("/manage", "/admin", "/login", "/account", "/unsubscribe")
#: Receipt and unsubscribe links are capabilities (whoever has one may rate that dossier, or stop
#: someone's mails): their tokens are kept out of logs.
RECEIPT = re.compile(r"/(r|unsubscribe)/[^/\s?\"]+")
#: Characters that PostgreSQL cannot store in text (NUL) or that are no Unicode text (lone surrogates).
UNSTORABLE = re.compile("[\x00\ud800-\udfff]")


class RowId(IntegerConverter):
    """An <int:…> in a URL: a row id the database can hold (32 bits); larger numbers match no route."""

    def __init__(self, url_map, *args, **kwargs):
        kwargs.setdefault("max", 2**31 - 1)
        super().__init__(url_map, *args, **kwargs)


def init_app(app: Flask) -> None:
    """Refuse unstorable input before any view, and add the security headers to every response.

    Runs before the blueprints are attached: their <int:…> parts use RowId.
    """
    app.url_map.converters["int"] = RowId
    app.before_request(refuse_unstorable_text)
    app.after_request(add_headers)
    for logger, kind in ((logging.getLogger("werkzeug"), ReceiptFilter),
                         (logging.getLogger("gunicorn.access"), ReceiptFilter), (app.logger, SqlErrorFilter)):
        if not any(isinstance(existing, kind) for existing in logger.filters):
            logger.addFilter(kind())


def refuse_unstorable_text() -> None:
    """Answer 400 when the path, the query or a form field carries NUL or a lone surrogate."""
    texts = [request.path, *request.args.keys(), *request.args.values()]
    if request.mimetype in ("application/x-www-form-urlencoded", "multipart/form-data"):
        texts += [*request.form.keys(), *request.form.values()]
    if any(UNSTORABLE.search(text) for text in texts):
        if request.path.startswith("/api/"):  # the API speaks English
            abort(400, "The request carries characters that cannot be stored (NUL or invalid Unicode).")
        abort(400, _("The request carries characters that cannot be stored (NUL or invalid Unicode)."))


def add_headers(response):
    """Set the security headers (and no-store on private pages) without overriding a view's own."""
    headers = response.headers
    headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
    headers.setdefault("X-Frame-Options", "DENY")
    headers.setdefault("X-Content-Type-Options", "nosniff")
    headers.setdefault("Referrer-Policy", "same-origin")
    if request.is_secure:
        headers.setdefault("Strict-Transport-Security", "max-age=31536000; includeSubDomains")
    if request.path.startswith(PRIVATE_PREFIXES):
        headers["Cache-Control"] = "no-store"
    return response


class ReceiptFilter(logging.Filter):
    """Replace receipt and unsubscribe tokens in access-log lines (Werkzeug's and gunicorn's) with "…"."""

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.args, dict):  # gunicorn: the atoms of the access-log format
            record.args = {key: redact(value) if isinstance(value, str) else value
                           for key, value in record.args.items()}
        elif isinstance(record.args, tuple):  # Werkzeug: ('"GET /r/… HTTP/1.1"', status, size)
            record.args = tuple(redact(value) if isinstance(value, str) else value for value in record.args)
        if isinstance(record.msg, str):
            record.msg = redact(record.msg)
        return True


def redact(text: str) -> str:
    """Return the text with every receipt token replaced."""
    return RECEIPT.sub(r"/\1/…", text)


class SqlErrorFilter(logging.Filter):
    """Log a database error's traceback without the values the database quotes back.

    SQLAlchemy leaves the parameters out (hide_parameters), but PostgreSQL's own message has a
    DETAIL line with the row or key values ("Failing row contains (…)", "Key (token)=(…)"):
    only the first line of the driver's message and the statement are kept.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        error = record.exc_info[1] if record.exc_info else None
        if isinstance(error, DBAPIError):
            driver = str(error.orig).splitlines()[0] if error.orig is not None else ""
            record.exc_text = "".join(traceback.format_tb(error.__traceback__)) + (
                f"{type(error).__name__}: ({type(error.orig).__name__}) {driver}\n"
                f"[SQL: {error.statement}] [parameters hidden]")
        return True
