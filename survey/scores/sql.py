"""SQL helpers shared by live counting and the tally: run a statement into pandas, local calendar text."""

import io

import pandas as pd
from sqlalchemy import Connection, func, literal_column
from sqlmodel import Session

from survey.models import Response
from survey.periods import LOCAL_OFFSET


def connection_of(session: Session | Connection) -> Connection:
    """Return the connection of a session (or the connection itself)."""
    return session if isinstance(session, Connection) else session.connection()


def run(session: Session | Connection, statement) -> pd.DataFrame:
    """Execute a Core statement on the session's connection; return the rows as a DataFrame."""
    result = connection_of(session).execute(statement)
    columns = list(result.keys())
    # Plain tuples: building a DataFrame from Row objects is ten times slower.
    return pd.DataFrame([tuple(row) for row in result.all()], columns=columns)


def dialect(session: Session | Connection) -> str:
    """Return the database dialect name of a session or connection."""
    return session.dialect.name if isinstance(session, Connection) else session.get_bind().dialect.name


def local_month(session: Session | Connection, column=Response.submitted_at):
    """Return a SQL expression for the local (UTC+7) month "YYYY-MM" of a UTC time column."""
    return local_text(session, column, sqlite_format="%Y-%m", postgres_format="YYYY-MM")


def local_date(session: Session | Connection, column):
    """Return a SQL expression for the local calendar day "YYYY-MM-DD" of a UTC time column."""
    return local_text(session, column, sqlite_format="%Y-%m-%d", postgres_format="YYYY-MM-DD")


def local_text(session: Session | Connection, column, *, sqlite_format: str, postgres_format: str):
    """Format a UTC time column in the province's local time (periods.LOCAL_OFFSET)."""
    hours = int(LOCAL_OFFSET.total_seconds() // 3600)
    if dialect(session) == "sqlite":
        return func.strftime(sqlite_format, column, f"{hours:+d} hours")
    local_time = func.timezone("UTC", column) + literal_column(f"interval '{hours} hours'")
    return func.to_char(local_time, postgres_format)


def run_copy(session: Session | Connection, statement) -> pd.DataFrame:
    """Stream a PostgreSQL result through COPY … TO STDOUT into pandas' C parser.

    A year of a large province is millions of distinct answer patterns; building a Python tuple
    per row took longer than the GROUP BY itself.
    """
    connection = connection_of(session)
    compiled = statement.compile(dialect=connection.dialect, compile_kwargs={"render_postcompile": True})
    buffer = io.BytesIO()
    with connection.connection.dbapi_connection.cursor() as cursor:
        query = f"COPY ({compiled}) TO STDOUT WITH (FORMAT csv, HEADER true)"
        with cursor.copy(query, compiled.params) as copy:
            for block in copy:
                buffer.write(block)
    buffer.seek(0)
    frame = pd.read_csv(buffer, true_values=["t"], false_values=["f"], dtype={"month": str, "channel": str})
    for name in ("counter_id", "service_id"):
        if name in frame:  # NULL keys stay None, as with the row-by-row path
            frame[name] = frame[name].astype(object).where(frame[name].notna(), None)
            frame[name] = frame[name].map(lambda v: None if v is None else int(v))
    return frame
