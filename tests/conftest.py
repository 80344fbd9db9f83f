"""Fixtures: an app on a fresh database per test (SQLite, or PostgreSQL via TEST_DATABASE_URL)."""

import pytest
from argon2 import PasswordHasher
from sqlalchemy import Engine, text
from sqlmodel import Session, SQLModel

from survey import create_app
from survey.core import passwords
from survey.db import get_engine
from tests import factories
from tests.helpers import postgres_url, worker_schema_url

TEST_SECRET = "test-secret-key-not-for-production"


@pytest.fixture(scope="session")
def database_url(tmp_path_factory, worker_id) -> str:
    """Return the database URL for this worker; PostgreSQL tables are made once per run."""
    url = postgres_url()
    if url is None:
        return ""
    url = worker_schema_url(url, worker_id)
    from sqlalchemy import create_engine

    engine = create_engine(postgres_url())
    with engine.begin() as connection:
        connection.execute(text(f"DROP SCHEMA IF EXISTS test_{worker_id} CASCADE"))
        connection.execute(text(f"CREATE SCHEMA test_{worker_id}"))
    engine.dispose()
    engine = create_engine(url)
    SQLModel.metadata.create_all(engine)
    engine.dispose()
    return url


def reset(engine: Engine) -> None:
    """Empty every table (PostgreSQL) or create them (a new SQLite file)."""
    if engine.dialect.name == "sqlite":
        SQLModel.metadata.create_all(engine)
        return
    names = ", ".join(f'"{table.name}"' for table in SQLModel.metadata.sorted_tables)
    with engine.begin() as connection:
        connection.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))


@pytest.fixture
def app(tmp_path, database_url):
    """Return an app on an empty database."""
    app = create_app(
        {
            "TESTING": True,
            "SECRET_KEY": TEST_SECRET,
            "DATABASE_URL": database_url or f"sqlite:///{tmp_path / 'test.sqlite'}",
            "WTF_CSRF_ENABLED": False,
            "RATELIMIT_ENABLED": False,
            "PUBLIC_BASE_URL": "http://survey.test",
            "SESSION_COOKIE_SECURE": False,
            "DEMO": False,
        }
    )
    app.instance_path = str(tmp_path)
    engine = get_engine(app)
    reset(engine)
    yield app
    engine.dispose()


@pytest.fixture(autouse=True)
def cheap_hashing(monkeypatch):
    """Hash test passwords with minimal argon2 cost: tests sign in many times, they do not test argon2."""
    monkeypatch.setattr(passwords, "hasher", PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1))


@pytest.fixture
def client(app):
    """Return a test client."""
    return app.test_client()


@pytest.fixture
def runner(app):
    """Return a CLI runner."""
    return app.test_cli_runner()


@pytest.fixture
def session(app):
    """Return a session on the app's database."""
    with Session(get_engine(app), expire_on_commit=False) as session:
        yield session


@pytest.fixture
def province(session):
    """Return a small province tree with counters, services and users (see factories)."""
    return factories.small_province(session)


@pytest.fixture
def live_server(app):
    """Serve the test app over real HTTP on 127.0.0.1; return its base URL."""
    from tests.browser import serve

    with serve(app) as url:
        yield url


@pytest.fixture(scope="session")
def browser():
    """Return Debian's headless Chromium driven by Playwright (skip when not installed)."""
    from pathlib import Path

    from tests.browser import CHROMIUM, chromium

    if not Path(CHROMIUM).exists():
        pytest.skip("Debian's chromium is not installed (.ci/run installs it)")
    with chromium() as launched:
        yield launched
