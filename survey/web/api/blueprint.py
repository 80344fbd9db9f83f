"""The JSON API blueprint at /api/v1/: who is calling (API key or kiosk), JSON errors."""

import json
from dataclasses import dataclass
from datetime import timedelta

from flask import Blueprint, abort, after_this_request, current_app, jsonify, request
from flask_limiter.util import get_remote_address
from werkzeug.exceptions import HTTPException

from survey.core import devices
from survey.db import get_session, is_writing_request
from survey.models import ApiKey, Counter, KioskDevice, Unit, utcnow
from survey.web import errors
from survey.web.limits import limiter
from survey.web.security import UNSTORABLE

bp = Blueprint("api", __name__, url_prefix="/api/v1")
#: The kiosk's cookie (set at enrolment) authenticates it for its own counter only.
KIOSK_COOKIE = "kiosk"
#: How stale a credential's stored last use may get before a GET records it again.
USE_RESOLUTION = timedelta(minutes=1)


def caller_key() -> str:
    """Return the rate-limit key of a request: its credential (hashed), else its address."""
    header = request.headers.get("Authorization", "")
    credential = header[7:].strip() if header[:7].lower() == "bearer " else request.cookies.get(KIOSK_COOKIE)
    return "api:" + (devices.digest(credential)[:32] if credential else get_remote_address())


#: One budget per credential (RATELIMIT_API), over every endpoint of the API.
limiter.limit(lambda: current_app.config["RATELIMIT_API"], key_func=caller_key)(bp)


@dataclass
class Caller:
    """An authenticated API client: an integrator key or an enrolled kiosk."""

    scopes: frozenset[str]
    #: Root of the subtree the caller may touch.
    unit: Unit
    key: ApiKey | None = None
    device: KioskDevice | None = None
    counter: Counter | None = None

    def can_see(self, unit: Unit) -> bool:
        """Tell whether a unit lies in the caller's subtree."""
        return unit.path.startswith(self.unit.path)


def error(status: int, message: str, **extra):
    """Return a JSON error response."""
    response = jsonify({"error": {"status": status, "message": message, **extra}})
    response.status_code = status
    if status == 401:
        response.headers["WWW-Authenticate"] = 'Bearer realm="hailong"'
    return response


@bp.errorhandler(HTTPException)
def http_error(exc: HTTPException):
    """Answer every HTTP error of the API as JSON with a clear message (405 with its Allow header)."""
    response = error(exc.code or 500, exc.description or exc.name)
    for name, value in exc.get_headers():
        if name == "Allow":
            response.headers[name] = value
    return response


@bp.app_errorhandler(404)
@bp.app_errorhandler(405)
def routing_error(exc: HTTPException):
    """Answer an unknown API path (404) or a method an API path does not take (405) as JSON.

    Registered app-wide (routing fails before a blueprint is known), so other paths get the site's page.
    """
    if request.path == bp.url_prefix or request.path.startswith(f"{bp.url_prefix}/"):
        if exc.code == 404 and request.url_rule is None:
            exc.description = "no such API endpoint; see /api/v1/openapi.json"
        return http_error(exc)
    return errors.http_error(exc)  # the rest of the site: our page in the interface language


@bp.after_request
def no_store(response):
    """Keep API answers out of shared caches."""
    response.headers.setdefault("Cache-Control", "no-store")
    return response


def authenticate(scope: str) -> Caller:
    """Return the caller of this request, or abort with 401 (who?) or 403 (not allowed)."""
    session = get_session()
    header = request.headers.get("Authorization", "")
    token = header[7:].strip() if header[:7].lower() == "bearer " else None
    if header and token is None:
        abort(401, "use the header Authorization: Bearer <key>")
    caller = None
    key = devices.api_key_for(session, token)
    if key is not None and key.unit_id is not None:
        record_use(key, "last_used_at")
        caller = Caller(scopes=frozenset(key.scopes.split()), unit=session.get(Unit, key.unit_id), key=key)
    else:
        device = devices.device_for(session, token or request.cookies.get(KIOSK_COOKIE))
        if device is not None:
            counter = session.get(Counter, device.counter_id)
            unit = session.get(Unit, counter.unit_id)
            record_use(device, "last_seen_at")
            caller = Caller(scopes=frozenset({"responses:write"}), unit=unit, device=device, counter=counter)
    if caller is None:
        abort(401, "missing, unknown or revoked credentials")
    if scope not in caller.scopes:
        abort(403, f"this credential lacks the scope {scope}")
    return caller


def record_use(credential: ApiKey | KioskDevice, column: str) -> None:
    """Note when a credential was last used, without a write inside a read.

    A writing request sets it in its own transaction (the view commits). A GET never writes: it
    may read a replica, and on SQLite a read transaction cannot take the write lock while responses
    are written. Its use is stored after the answer is sent, on the primary, at most once a minute.
    """
    now = utcnow()
    if is_writing_request():
        setattr(credential, column, now)
        return
    last = getattr(credential, column)
    if last is not None and devices.aware(last) > now - USE_RESOLUTION:
        return
    app, table, row_id = current_app._get_current_object(), type(credential), credential.id  # type: ignore[attr-defined]

    def store(response):
        response.call_on_close(lambda: devices.touch(app, table, row_id, column, now))
        return response

    after_this_request(store)


def json_body() -> dict:
    """Return the request's JSON object (whole-valued numbers such as 3.0 read as 3), or abort with 400."""
    if not request.is_json:
        abort(400, "send a JSON body with Content-Type: application/json")
    try:
        body = without_nul(json.loads(request.get_data(), parse_float=number))
    except RecursionError:
        abort(400, f"the JSON body is nested deeper than {MAX_DEPTH} levels")
    except ValueError:
        body = None
    if not isinstance(body, dict):
        abort(400, "the body must be a JSON object")
    return body


#: Deepest nesting a body may have (the API's own documents need 4 levels).
MAX_DEPTH = 32


def without_nul(value: object, depth: int = 0) -> object:
    """Drop NUL characters from every text of a JSON value (databases cannot store them).

    Raises RecursionError past MAX_DEPTH levels and aborts with 400 on a lone surrogate
    ("\\ud800"), which is no Unicode text and which no database encoding accepts.
    """
    if depth > MAX_DEPTH:
        raise RecursionError("nested too deep")
    if isinstance(value, str):
        if UNSTORABLE.search(value.replace("\x00", "")):
            abort(400, "the JSON body carries a lone surrogate (\\ud800-\\udfff): not Unicode text")
        return value.replace("\x00", "")
    if isinstance(value, list):
        return [without_nul(item, depth + 1) for item in value]
    if isinstance(value, dict):
        return {without_nul(key, depth + 1): without_nul(item, depth + 1) for key, item in value.items()}
    return value


def number(text: str) -> int | float:
    """Read a JSON number with a fraction or exponent: whole values (JSON Schema integers) as int."""
    value = float(text)
    return int(value) if value.is_integer() else value


