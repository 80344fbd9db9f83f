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
    """Upgrade the database to a revision (head by default).

    On SQLite a revision that changes a constraint rebuilds the table (copy, drop, rename), and
    dropping a table that other rows refer to fails while foreign keys are enforced. So, as
    SQLite's documented procedure for altering tables says, enforcement is off for the upgrade
    (the pragma only takes effect outside a transaction), every reference is checked before the
    commit, and enforcement is on again before the connection goes back to the pool.
    """
    config = alembic_config(engine)
    with engine.connect() as connection:
        sqlite = engine.dialect.name == "sqlite"
        driver = connection.connection.driver_connection
        if sqlite and driver is not None:
            driver.execute("PRAGMA foreign_keys=OFF")
        try:
            with connection.begin():
                config.attributes["connection"] = connection
                command.upgrade(config, revision)
                if sqlite:
                    broken = connection.exec_driver_sql("PRAGMA foreign_key_check").all()
                    if broken:
                        raise RuntimeError(f"the upgrade would leave {len(broken)} broken references, "
                                           f"first in table {broken[0][0]}; nothing was changed")
        finally:
            if sqlite and driver is not None:
                driver.execute("PRAGMA foreign_keys=ON")


def check(engine: Engine) -> None:
    """Raise if the models and the revisions differ (alembic check)."""
    config = alembic_config(engine)
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.check(config)
