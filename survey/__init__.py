"""Hài Lòng: citizen satisfaction surveys at one-stop service counters.

The package reads top-down in layers (docs/architecture.md): `web/` and `commands/` are the entry
points; `scores/` turns stored responses into scores; `core/` holds the rules of responses,
receipts, kiosks and abuse signals; `instruments/`, `models`, `db`, `periods` and `config` are the
foundation. A module imports only from its own layer or the ones below it.
"""

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
