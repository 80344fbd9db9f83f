"""Rate limits (Flask-Limiter; memory, or Redis through RATELIMIT_STORAGE_URI) and client hashes."""

import hashlib
import hmac

from flask import Flask, current_app, request
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address

from survey.models import utcnow

#: The application's limiter: decorate views with `@limiter.limit(...)`. No default limits.
limiter = Limiter(key_func=get_remote_address)


def init_app(app: Flask) -> None:
    """Attach the limiter (it reads RATELIMIT_* settings, e.g. RATELIMIT_STORAGE_URI)."""
    # Explicit, because the shared limiter would otherwise keep the last app's setting.
    app.config.setdefault("RATELIMIT_ENABLED", True)
    limiter.init_app(app)
    if str(app.config["RATELIMIT_STORAGE_URI"]).startswith("memory") and not (app.debug or app.testing):
        app.logger.warning("rate limits are kept in memory, per process: with more than one worker, set "
                           "FLASK_RATELIMIT_STORAGE_URI=redis://… (docs/security.md)")


def client_hash() -> str:
    """Return a keyed hash of the client address and today's date (32 hex digits).

    The address itself is never stored; the day in the key means hashes cannot link one
    client's responses across days.
    """
    message = f"{utcnow().date().isoformat()}|{get_remote_address()}".encode()
    return hmac.new(str(current_app.secret_key).encode(), message, hashlib.sha256).hexdigest()[:32]


def refused_key() -> str:
    """Return the rate-limit key of a client's refused survey POSTs (its address, apart)."""
    return "invalid:" + get_remote_address()


def counter_key() -> str:
    """Return the rate-limit key of the counter in the URL."""
    return "counter:" + str((request.view_args or {}).get("token", ""))
