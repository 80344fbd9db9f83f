"""Fast bulk writes (COPY on PostgreSQL, one executemany on SQLite) for seeding and benchmarks."""

from collections.abc import Iterator, Mapping
from datetime import UTC, datetime

import numpy as np
from sqlalchemy import Engine, Table

BATCH = 100_000


def insert_rows(engine: Engine, table: Table, columns: Mapping[str, object]) -> int:
    """Insert equal-length columns into a table; return the number of rows."""
    names = list(columns)
    lists = [to_python(columns[name], sqlite=engine.dialect.name == "sqlite") for name in names]
    count = len(lists[0]) if lists else 0
    if not count:
        return 0
    rows = zip(*lists, strict=True)
    connection = engine.raw_connection()
    try:
        cursor = connection.cursor()
        if engine.dialect.name == "postgresql":
            quoted = ", ".join(f'"{name}"' for name in names)
            with cursor.copy(f'COPY "{table.name}" ({quoted}) FROM STDIN') as copy:
                for row in rows:
                    copy.write_row(row)
            if "id" in names:
                # Explicit ids leave the table's sequence behind: the next ordinary insert would collide.
                cursor.execute(f"SELECT setval(pg_get_serial_sequence('\"{table.name}\"', 'id'), "
                               f'(SELECT max(id) FROM "{table.name}"))')
        else:
            marks = ", ".join("?" for _ in names)
            statement = f'INSERT INTO "{table.name}" ({", ".join(names)}) VALUES ({marks})'
            # The SQLite connections run in driver autocommit (see db.py): one explicit
            # transaction, or every row would be its own fsync.
            # A large page cache keeps the random-key unique indexes in memory while loading.
            cursor.execute("PRAGMA cache_size=-262144")
            cursor.execute("BEGIN IMMEDIATE")
            for batch in batches(rows):
                cursor.executemany(statement, batch)
            cursor.execute("COMMIT")
        connection.commit()
    finally:
        connection.close()
    return count


def batches(rows: Iterator[tuple]) -> Iterator[list[tuple]]:
    """Yield lists of at most BATCH rows."""
    batch = []
    for row in rows:
        batch.append(row)
        if len(batch) == BATCH:
            yield batch
            batch = []
    if batch:
        yield batch


def to_python(values: object, *, sqlite: bool) -> list:
    """Return a column as a list of driver-ready Python values."""
    array = np.asarray(values)
    if np.issubdtype(array.dtype, np.datetime64):
        if sqlite:
            # SQLAlchemy's own SQLite DATETIME text format, so comparisons stay consistent.
            text = np.datetime_as_string(array.astype("datetime64[us]"), unit="us")
            return [t.replace("T", " ") for t in text.tolist()]
        return [moment.replace(tzinfo=UTC) for moment in array.astype("datetime64[us]").astype(datetime).tolist()]
    return array.tolist()
