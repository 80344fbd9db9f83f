"""`flask backup` and the restore docs/deploy.md describes: the restored database holds every response."""

import os
import shutil
import subprocess
import uuid
from pathlib import Path

import pytest
from sqlalchemy import create_engine, func, make_url, select, text

from survey.models import Response, Tally, Unit
from tests.factories import add_sipas


def counts(url: str) -> tuple[int, int, int]:
    """Return the responses, units and tally rows of a database."""
    engine = create_engine(url)
    try:
        with engine.connect() as connection:
            return tuple(connection.execute(select(func.count()).select_from(table)).scalar_one()
                         for table in (Response, Unit, Tally))
    finally:
        engine.dispose()


def test_sqlite_backup_restores_while_the_app_runs(app, runner, session, province, tmp_path):
    if not app.config["DATABASE_URL"].startswith("sqlite"):
        pytest.skip("the PostgreSQL backup has its own test")
    add_sipas(session, province, "H-01", n=25, satisfied=20)
    session.execute(select(func.count()).select_from(Response))  # a reader holds a snapshot meanwhile
    folder = tmp_path / "backups"
    folder.mkdir()
    for day in ("20260101", "20260102", "20260103"):
        (folder / f"hailong-{day}T010000Z.sqlite").write_bytes(b"older")
    result = runner.invoke(args=["backup", "--dir", str(folder), "--keep", "2"])
    assert result.exit_code == 0 and "removed 2 older" in result.output, result.output
    backups = sorted(folder.glob("hailong-*.sqlite"))
    assert [path.name for path in backups][0] == "hailong-20260103T010000Z.sqlite" and len(backups) == 2
    # Restore as docs/deploy.md says: stop the app, copy the file into place, start it.
    restored = tmp_path / "restored.sqlite"
    shutil.copy(backups[-1], restored)
    assert counts(f"sqlite:///{restored}") == counts(app.config["DATABASE_URL"]) == (25, 6, 0)
    with create_engine(f"sqlite:///{restored}").connect() as connection:
        assert connection.exec_driver_sql("PRAGMA integrity_check").scalar() == "ok"


def test_postgresql_backup_restores_with_pg_restore(app, runner, session, province, tmp_path):
    url = app.config["DATABASE_URL"]
    if not url.startswith("postgresql"):
        pytest.skip("needs TEST_DATABASE_URL")
    add_sipas(session, province, "H-01", n=25, satisfied=20)
    result = runner.invoke(args=["backup", "--dir", str(tmp_path)])
    assert result.exit_code == 0, result.output
    dump = next(tmp_path.glob("hailong-*.dump"))
    # Restore into a new database, as docs/deploy.md says (createdb, then pg_restore).
    name = f"restore_{uuid.uuid4().hex[:12]}"
    server = make_url(url).set(drivername="postgresql", query={})
    admin = create_engine(server.set(drivername="postgresql+psycopg"), isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        target = server.set(database=name).render_as_string(hide_password=False)
        subprocess.run(["pg_restore", "--no-owner", f"--dbname={target}", str(dump)], check=True,
                       env=os.environ | {"PGOPTIONS": ""})
        restored = make_url(url).set(database=name).render_as_string(hide_password=False)
        assert counts(restored) == counts(url) == (25, 6, 0)
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE "{name}" WITH (FORCE)'))
        admin.dispose()


def test_pg_dump_missing_is_a_clear_error(app, runner, monkeypatch):
    if not app.config["DATABASE_URL"].startswith("postgresql"):
        pytest.skip("SQLite needs no tool")
    monkeypatch.setenv("PATH", str(Path("/nonexistent")))
    result = runner.invoke(args=["backup", "--dir", "/tmp"])
    assert result.exit_code != 0 and "postgresql-client" in result.output
