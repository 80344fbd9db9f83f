"""Hài Lòng: citizen satisfaction surveys at one-stop service counters.

The package reads top-down in layers (docs/architecture.md): `web/` and `commands/` are the entry
points; `scores/` turns stored responses into scores; `core/` holds the rules of responses,
receipts, kiosks and abuse signals; `instruments/`, `models`, `db`, `periods` and `config` are the
foundation. A module imports only from its own layer or the ones below it.
"""

import gc
from pathlib import Path

from flask import Flask

from survey import commands, config, db, web

PACKAGE = Path(__file__).parent
#: Templates ship inside the package in a wheel; a checkout keeps them in the top-level folder.
TEMPLATES = PACKAGE / "templates" if (PACKAGE / "templates").is_dir() else PACKAGE.parent / "templates"


def create_app(test_config: dict | None = None) -> Flask:
    """Create and configure the application."""
    app = Flask(__name__, instance_relative_config=True, template_folder=str(TEMPLATES))
    with config.one_line_errors():
        config.load(app, test_config)
        db.init_app(app)
        web.init_app(app)
        commands.init_app(app)
    return app


def freeze_loaded() -> None:
    """Leave everything loaded so far (modules, the app) out of later garbage collections.

    Called once a serving process has its app (survey.wsgi, before gunicorn forks its workers).
    The interpreter's full collections walk every tracked object: with pandas, scipy and
    SQLAlchemy loaded that is about 260,000, and on a score page such a pass took up to 140 ms
    (benchmarks/pages). Frozen objects are never collected, and forked workers do not write to
    their pages (Python's documentation of gc.freeze recommends it before fork).
    """
    gc.collect()
    gc.freeze()
