"""Run Alembic from code: upgrade to head, or check that the models match the revisions."""

from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy import Engine

PACKAGE = Path(__file__).resolve().parent.parent
#: The revisions ship inside the package in a wheel; a checkout keeps them in the top-level folder.
MIGRATIONS = PACKAGE / "migrations" if (PACKAGE / "migrations").is_dir() else PACKAGE.parent / "migrations"


def alembic_config(engine: Engine) -> Config:
    """Return an Alembic config that runs on this engine (no alembic.ini needed: a wheel has none)."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.set_main_option("path_separator", "os")
    config.attributes["engine"] = engine
    return config


def upgrade(engine: Engine, revision: str = "head") -> None:
    """Upgrade the database to a revision (head by default)."""
    config = alembic_config(engine)
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, revision)


def check(engine: Engine) -> None:
    """Raise if the models and the revisions differ (alembic check)."""
    config = alembic_config(engine)
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.check(config)
