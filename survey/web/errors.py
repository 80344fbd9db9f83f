"""Error pages in the interface language and in the style of the part of the site they belong to.

Every HTTP error, an unknown URL under /manage or /admin included, and every unexpected failure
(a database that is down answers 503) get a page of ours: Werkzeug's English pages never show.
The pages read nothing from the database (no signed-in user either), so they render when it is down.
"""

import logging

from flask import Flask, jsonify, make_response, render_template, request
from flask_babel import lazy_gettext as _l
from sqlalchemy.exc import OperationalError
from werkzeug.exceptions import HTTPException, InternalServerError

log = logging.getLogger(__name__)

#: (title, explanation) per status; anything else reads as the 500 page.
PAGES = {
    400: (_l("The request could not be understood"), _l("Please go back and try again.")),
    403: (_l("You may not open this page"), _l("Your account does not give access to this page. "
                                                "Sign in with another account or ask your administrator.")),
    404: (_l("Page not found"), _l("This address does not lead to a page. Check it, or start again from "
                                   "the home page.")),
    405: (_l("This page cannot be used this way"), _l("Please go back and try again.")),
    410: (_l("This link is no longer valid"), _l("The link has expired or was replaced.")),
    413: (_l("Too much was sent"), _l("Please send less and try again.")),
    429: (_l("Too many requests"), _l("Many requests are arriving right now. Please try again in a minute.")),
    500: (_l("Something went wrong on our side"), _l("Please try again in a few minutes.")),
    503: (_l("The service is not available right now"), _l("Please try again in a few minutes.")),
}
#: The look of each part of the site: (stylesheet, body class).
AREAS = {"/manage": ("manage.css", "manage"), "/admin": ("admin.css", "admin")}


def area() -> tuple[str | None, str]:
    """Return the stylesheet and body class of the part of the site the request is in."""
    for prefix, style in AREAS.items():
        if request.path == prefix or request.path.startswith(prefix + "/"):
            return style
    return None, ""


def page(status: int, explanation: str | None = None):
    """Return the error response of a status: our page, or JSON under /api/.

    `explanation`, when given, says more precisely than the status's own text what went wrong.
    """
    title, text = PAGES.get(status, PAGES[500])
    text = explanation or text
    if request.path.startswith("/api/"):
        return make_response(jsonify({"error": {"status": status, "message": str(title)}}), status)
    stylesheet, body_class = area()
    lost = status >= 500 and request.method not in ("GET", "HEAD")
    return make_response(render_template("errors/error.html", status=status, title=title, text=text,
                                         lost=lost, stylesheet=stylesheet, body_class=body_class), status)


def http_error(error: HTTPException):
    """Show an HTTP error (404, 403, 410, 429…) as a page of ours, keeping its headers (Retry-After)."""
    if error.code is None or error.code < 400:
        return error  # redirects raised as exceptions pass through
    # A description the code chose (abort(400, _("…"))) says more than the class's English default.
    chosen = error.description if error.description != type(error).description else None
    response = page(error.code, chosen)
    for name, value in error.get_headers():
        if name.lower() != "content-type":
            response.headers[name] = value
    return response


def unexpected(error: Exception):
    """Log an unexpected failure; a database that cannot answer is 503, anything else 500."""
    original = getattr(error, "original_exception", None) or error
    if isinstance(original, OperationalError):
        log.error("database unavailable: %s", str(original).splitlines()[0])
        response = page(503)
        response.headers["Retry-After"] = "60"
        return response
    log.error("unexpected failure", exc_info=original)
    return page(500)


def init_app(app: Flask) -> None:
    """Register the pages for every HTTP error and for unexpected failures."""
    app.register_error_handler(HTTPException, http_error)
    app.register_error_handler(InternalServerError, unexpected)
    app.register_error_handler(OperationalError, unexpected)
