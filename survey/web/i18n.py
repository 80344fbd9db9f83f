"""Interface language: Vietnamese by default, English on request (?lang=en, then a cookie).

The catalogues are compiled when the package is built (setup.py; `make` does it for a checkout),
never at start: the app runs from a read-only install.
"""

from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

from flask import Flask, current_app, has_request_context, request
from flask_babel import Babel, get_locale, get_translations

from survey.config import ConfigurationError

T = TypeVar("T")

TRANSLATIONS = Path(__file__).resolve().parent.parent / "translations"


def select_locale() -> str:
    """Pick the language from ?lang=, then the lang cookie, then the default."""
    languages = current_app.config["LANGUAGES"]
    for candidate in (request.args.get("lang"), request.cookies.get("lang")):
        if candidate is not None and candidate in languages:
            return candidate
    return current_app.config["BABEL_DEFAULT_LOCALE"]


def check_compiled(folder: Path) -> None:
    """Refuse to start without compiled catalogues: the pages would silently fall back to English."""
    missing = [str(path.parent) for path in folder.glob("*/LC_MESSAGES/*.po")
               if not (path.parent / "messages.mo").exists()]
    if missing:
        raise ConfigurationError(f"translations are not compiled in {sorted(set(missing))}: "
                           "run `make` (a checkout) or install the package built by setup.py")


def once_per_request(name: str, compute: Callable[[], T]) -> T:
    """Return `compute()`, worked out once per request and kept in its environ (every call outside one).

    For what depends only on the request's language and is asked thousands of times per page.
    """
    if not has_request_context():
        return compute()
    key = f"hailong.{name}"
    if key not in request.environ:
        request.environ[key] = compute()
    return request.environ[key]


def request_translations():
    """Return the catalogue of the request's language, looked up once per request."""
    return once_per_request("translations", get_translations)


def init_app(app: Flask) -> None:
    """Set up Flask-Babel and the template helpers."""
    app.config.setdefault("BABEL_TRANSLATION_DIRECTORIES", str(TRANSLATIONS))
    check_compiled(Path(app.config["BABEL_TRANSLATION_DIRECTORIES"]))
    Babel(app, locale_selector=select_locale)
    app.jinja_env.globals["get_locale"] = get_locale
    # Flask-Babel's own callables, with the catalogue looked up once per request instead of once per
    # message (a province's overview translates 1,700 texts).
    app.jinja_env.install_gettext_callables(  # type: ignore[attr-defined]  # added by jinja2.ext.i18n
        gettext=lambda s: request_translations().ugettext(s),
        ngettext=lambda s, p, n: request_translations().ungettext(s, p, n),
        newstyle=True,
        pgettext=lambda c, s: request_translations().upgettext(c, s),
        npgettext=lambda c, s, p, n: request_translations().unpgettext(c, s, p, n),
    )

    @app.after_request
    def remember_language(response):
        chosen = request.args.get("lang")
        if chosen in app.config["LANGUAGES"] and request.cookies.get("lang") != chosen:
            response.set_cookie("lang", chosen, max_age=365 * 24 * 3600, samesite="Lax")
        return response
