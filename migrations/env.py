"""Alembic environment: batch mode on SQLite, the app's database URL unless given a connection."""

from alembic import context
from sqlmodel import SQLModel

import survey.models  # noqa: F401 - registers the tables on SQLModel.metadata

config = context.config
target_metadata = SQLModel.metadata


def run_migrations_online() -> None:
    """Run the revisions on the given connection, or on the app's database."""
    connection = config.attributes.get("connection")
    if connection is not None:
        migrate(connection)
        return
    from survey import create_app
    from survey.db import get_engine

    app = create_app({"TESTING": True} if config.attributes.get("testing") else None)
    with get_engine(app).begin() as connection:
        migrate(connection)


def migrate(connection) -> None:
    """Configure the context for this connection and run the revisions."""
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


if context.is_offline_mode():
    raise SystemExit("Offline (--sql) migrations are not supported: run them against a database.")
run_migrations_online()
