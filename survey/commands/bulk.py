"""Fast bulk writes (COPY on PostgreSQL, one executemany on SQLite) for seeding and benchmarks."""

from collections.abc import Iterator, Mapping
from datetime import UTC, datetime

import numpy as np
from sqlalchemy import Engine, Table

from survey.models import TALLY_QUEUES, tally_trigger, tally_trigger_ddl

BATCH = 100_000


def insert_rows(engine: Engine, table: Table, columns: Mapping[str, object]) -> int:
    """Insert equal-length columns into a table; return the number of rows."""
    names = list(columns)
    lists = [to_python(columns[name], sqlite=engine.dialect.name == "sqlite") for name in names]
    count = len(lists[0]) if lists else 0
    if not count:
        return 0
    rows = zip(*lists, strict=True)
    # A trigger per row doubles SQLite's load time: a load with explicit ids queues them in one
    # statement instead, with the trigger off inside the same transaction (no one else sees it off).
    queued = table.name in TALLY_QUEUES and "id" in names
    connection = engine.raw_connection()
    try:
        cursor = connection.cursor()
        if engine.dialect.name == "postgresql":
            quoted = ", ".join(f'"{name}"' for name in names)
            if queued:
                cursor.execute(f'ALTER TABLE "{table.name}" DISABLE TRIGGER {tally_trigger(table.name)}')
            with cursor.copy(f'COPY "{table.name}" ({quoted}) FROM STDIN') as copy:
                for row in rows:
                    copy.write_row(row)
            if queued:
                queue(cursor, table.name, lists[names.index("id")], postgresql=True)
                cursor.execute(f'ALTER TABLE "{table.name}" ENABLE TRIGGER {tally_trigger(table.name)}')
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
            if queued:
                cursor.execute(f"DROP TRIGGER {tally_trigger(table.name)}")
            for batch in batches(rows):
                cursor.executemany(statement, batch)
            if queued:
                queue(cursor, table.name, lists[names.index("id")], postgresql=False)
                for statement in tally_trigger_ddl(table.name, "sqlite"):
                    cursor.execute(statement)
            cursor.execute("COMMIT")
        connection.commit()
    finally:
        connection.close()
    return count


def queue(cursor, table: str, ids: list, *, postgresql: bool) -> None:
    """Queue exactly the loaded rows for the tally, as the trigger would have."""
    queue_table, column = TALLY_QUEUES[table]
    if postgresql:
        with cursor.copy(f"COPY {queue_table} ({column}) FROM STDIN") as copy:
            for row_id in ids:
                copy.write_row((int(row_id),))
    else:
        cursor.executemany(f"INSERT INTO {queue_table} ({column}) VALUES (?)", ((int(i),) for i in ids))


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
        moments = array.astype("datetime64[us]").astype(datetime).tolist()
        return [moment.replace(tzinfo=UTC) for moment in moments]
    return array.tolist()
