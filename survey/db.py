"""The database engine (one per app) and the session (one per request, kept on g)."""

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import UTC, datetime

from flask import Flask, current_app, g, has_request_context, request
from sqlalchemy import Engine, create_engine, event, text
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


def get_engine(app: Flask | None = None, *, replica: bool = False) -> Engine:
    """Return the app's engine of the primary (or of the read replica), creating it on first use.

    Without DATABASE_REPLICA_URL the replica is the primary itself.
    """
    app = app or current_app
    url = app.config["DATABASE_URL"]
    if replica and app.config.get("DATABASE_REPLICA_URL"):
        name, url = "hailong_replica_engine", app.config["DATABASE_REPLICA_URL"]
    else:
        name = "hailong_engine"
    engine = app.extensions.get(name)
    if engine is None:
        engine = app.extensions[name] = make_engine(url)
    return engine


def read_from_replica() -> None:
    """Send this request's reads to the replica: score pages, exports and the scores API call it.

    Only for requests that never write; on a streaming standby a write fails, as it should.
    """
    g.db_read_only = True


def reads_replica() -> bool:
    """Tell whether the current request reads from the replica."""
    return has_request_context() and bool(g.get("db_read_only"))


def get_session() -> Session:
    """Return this request's session (on the replica if it reads from one), opening it on first use."""
    name = "db_read_session" if reads_replica() else "db_session"
    if name not in g:
        setattr(g, name, Session(get_engine(replica=name == "db_read_session"), expire_on_commit=False))
    return g.get(name)


def close_session(_exc: BaseException | None = None) -> None:
    """Close the request's sessions; anything not committed is rolled back."""
    for name in ("db_read_session", "db_session"):
        session = g.pop(name, None)
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


def data_time(session: Session) -> datetime:
    """Return the moment up to which the session's database holds every commit (UTC).

    A PostgreSQL standby has replayed the primary's commits up to its last replayed transaction;
    a primary (or SQLite) holds everything up to now.
    """
    now = datetime.now(UTC)
    if session.get_bind().dialect.name != "postgresql":
        return now
    replayed = session.execute(
        text("SELECT CASE WHEN pg_is_in_recovery() THEN pg_last_xact_replay_timestamp() END")
    ).scalar()
    return min(replayed, now) if replayed is not None else now


def is_sqlite(engine: Engine) -> bool:
    """Tell whether the engine talks to SQLite."""
    return engine.dialect.name == "sqlite"
