"""Interface language: Vietnamese by default, English on request (?lang=en, then a cookie)."""

from pathlib import Path

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from flask import Flask, current_app, request
from flask_babel import Babel, format_decimal, get_locale

TRANSLATIONS = Path(__file__).parent / "translations"


def select_locale() -> str:
    """Pick the language from ?lang=, then the lang cookie, then the default."""
    languages = current_app.config["LANGUAGES"]
    for candidate in (request.args.get("lang"), request.cookies.get("lang")):
        if candidate in languages:
            return candidate
    return current_app.config["BABEL_DEFAULT_LOCALE"]


def compile_catalogues() -> None:
    """Merge each language's .po files (one per blueprint) into messages.mo when they changed."""
    for folder in TRANSLATIONS.glob("*/LC_MESSAGES"):
        sources = sorted(folder.glob("*.po"))
        mo_path = folder / "messages.mo"
        newest = max((p.stat().st_mtime for p in sources), default=0)
        if not sources or (mo_path.exists() and mo_path.stat().st_mtime >= newest):
            continue
        merged = None
        for po_path in sources:
            with po_path.open("rb") as po_file:
                catalogue = read_po(po_file)
            if merged is None:
                merged = catalogue
            else:
                for message in catalogue:
                    if message.id:
                        merged[message.id] = message
        with mo_path.open("wb") as mo_file:
            write_mo(mo_file, merged)


def percent(fraction: float | None, digits: int = 2) -> str:
    """Format a fraction as a percentage the local way: 82,66% in Vietnamese."""
    if fraction is None or fraction != fraction:
        return "–"
    return format_decimal(100 * fraction, format=f"0.{'0' * digits}") + "%"


def init_app(app: Flask) -> None:
    """Set up Flask-Babel and the template helpers."""
    compile_catalogues()
    app.config.setdefault("BABEL_TRANSLATION_DIRECTORIES", str(TRANSLATIONS))
    Babel(app, locale_selector=select_locale)
    app.jinja_env.globals["get_locale"] = get_locale
    app.jinja_env.filters["percent"] = percent

    @app.after_request
    def remember_language(response):
        chosen = request.args.get("lang")
        if chosen in app.config["LANGUAGES"] and request.cookies.get("lang") != chosen:
            response.set_cookie("lang", chosen, max_age=365 * 24 * 3600, samesite="Lax")
        return response
