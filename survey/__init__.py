"""Hài Lòng: citizen satisfaction surveys at one-stop service counters."""

from flask import Flask

from survey import admin, api, auth, cli, config, db, i18n, kiosk, limits, manage, respond, views


def create_app(test_config: dict | None = None) -> Flask:
    """Create and configure the application."""
    app = Flask(
        __name__,
        instance_relative_config=True,
        template_folder="../templates",
    )
    config.load(app, test_config)
    db.init_app(app)
    i18n.init_app(app)
    auth.init_app(app)
    limits.init_app(app)
    register_blueprints(app)
    cli.init_app(app)
    return app


def register_blueprints(app: Flask) -> None:
    """Attach every blueprint of the application."""
    app.register_blueprint(views.bp)
    app.register_blueprint(auth.bp)
    app.register_blueprint(respond.bp)
    app.register_blueprint(manage.bp)
    app.register_blueprint(admin.bp)
    app.register_blueprint(kiosk.bp)
    app.register_blueprint(auth.csrf.exempt(api.bp))
