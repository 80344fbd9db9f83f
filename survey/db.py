"""The database engine (one per app) and the session (one per request, kept on g)."""

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

from flask import Flask, current_app, g, has_request_context, request
from sqlalchemy import Engine, create_engine, event
from sqlalchemy.pool import StaticPool
from sqlmodel import Session

#: SQLite durability: WAL with synchronous=FULL fsyncs every commit, so a response whose
#: thank-you redirect was sent survives a power cut, not only a process crash.
SQLITE_PRAGMAS = (
    "PRAGMA journal_mode=WAL",
    "PRAGMA synchronous=FULL",
    "PRAGMA foreign_keys=ON",
    "PRAGMA busy_timeout=10000",
)


def make_engine(url: str) -> Engine:
    """Create an engine; SQLite gets WAL, foreign keys and a busy timeout on every connection.

    SQL parameters stay out of exception messages (hide_parameters): a logged traceback must not
    carry a citizen's comment, a dossier hash or a password hash.
    """
    if not url.startswith("sqlite"):
        return create_engine(url, pool_pre_ping=True, pool_size=10, max_overflow=20, hide_parameters=True)
    options: dict = {"connect_args": {"check_same_thread": False, "timeout": 10}, "hide_parameters": True}
    if url in ("sqlite://", "sqlite:///:memory:"):
        options["poolclass"] = StaticPool
    engine = create_engine(url, **options)

    @event.listens_for(engine, "connect")
    def set_pragmas(dbapi_connection, _record):
        # Let SQLAlchemy, not the driver, decide when transactions begin.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        for pragma in SQLITE_PRAGMAS:
            cursor.execute(pragma)
        cursor.close()

    @event.listens_for(engine, "begin")
    def begin(conn):
        # Requests that may write take the write lock up front, so a transaction never has to
        # upgrade a stale read snapshot (SQLITE_BUSY_SNAPSHOT); reads stay concurrent.
        conn.exec_driver_sql("BEGIN IMMEDIATE" if is_writing_request() or _writing.get() else "BEGIN")

    return engine


def get_engine(app: Flask | None = None) -> Engine:
    """Return the app's engine, creating it on first use."""
    app = app or current_app
    engine = app.extensions.get("hailong_engine")
    if engine is None:
        engine = app.extensions["hailong_engine"] = make_engine(app.config["DATABASE_URL"])
    return engine


def get_session() -> Session:
    """Return this request's session, opening it on first use."""
    if "db_session" not in g:
        g.db_session = Session(get_engine(), expire_on_commit=False)
    return g.db_session


def close_session(_exc: BaseException | None = None) -> None:
    """Close the request's session; anything not committed is rolled back."""
    session = g.pop("db_session", None)
    if session is not None:
        session.close()


def init_app(app: Flask) -> None:
    """Register the teardown that closes the session."""
    app.teardown_appcontext(close_session)


_writing: ContextVar[bool] = ContextVar("writing", default=False)


@contextmanager
def writing() -> Iterator[None]:
    """Make SQLite transactions begun inside take the write lock up front (as writing requests do)."""
    token = _writing.set(True)
    try:
        yield
    finally:
        _writing.reset(token)


def is_writing_request() -> bool:
    """Tell whether the current request may write (any method but GET and HEAD)."""
    return has_request_context() and request.method not in ("GET", "HEAD")


def is_sqlite(engine: Engine) -> bool:
    """Tell whether the engine talks to SQLite."""
    return engine.dialect.name == "sqlite"
