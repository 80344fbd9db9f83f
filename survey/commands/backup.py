"""`flask backup`: a consistent copy of the database while the app keeps running (docs/deploy.md)."""

import os
import shutil
import subprocess
import time
from datetime import UTC, datetime
from pathlib import Path

import click
from flask import current_app
from flask.cli import with_appcontext
from sqlalchemy import make_url

from survey.db import get_engine, is_sqlite


@click.command("backup")
@with_appcontext
@click.option("--dir", "folder", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="Folder of the backups (default: backups/ in the instance folder).")
@click.option("--keep", default=14, show_default=True, help="Newest backups kept in the folder; 0 keeps all.")
def backup_command(folder: Path | None, keep: int):
    """Copy the database to a new dated file: SQLite with VACUUM INTO, PostgreSQL with pg_dump."""
    folder = folder or Path(current_app.instance_path) / "backups"
    folder.mkdir(parents=True, exist_ok=True)
    engine = get_engine()
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    started = time.perf_counter()
    if is_sqlite(engine):
        target = folder / f"hailong-{stamp}.sqlite"
        backup_sqlite(engine, target)
    else:
        target = folder / f"hailong-{stamp}.dump"
        backup_postgresql(engine.url.render_as_string(hide_password=False), target)
    removed = prune(folder, target.suffix, keep)
    seconds = time.perf_counter() - started
    click.echo(f"Backed up to {target} ({target.stat().st_size:,} bytes) in {seconds:.1f} s"
               + (f"; removed {removed} older" if removed else "") + ".")


def backup_sqlite(engine, target: Path) -> None:
    """Write a consistent, compacted copy of a live SQLite database (readers and writers carry on)."""
    partial = target.with_suffix(".partial")
    partial.unlink(missing_ok=True)
    connection = engine.raw_connection()  # VACUUM runs outside any transaction
    try:
        connection.cursor().execute("VACUUM INTO ?", (str(partial),))
    finally:
        connection.close()
    partial.rename(target)


def backup_postgresql(url: str, target: Path) -> None:
    """Dump a PostgreSQL database in pg_dump's custom format (restore with pg_restore)."""
    pg_dump = shutil.which("pg_dump")
    if pg_dump is None:
        raise click.ClickException("pg_dump is missing: install postgresql-client (Debian: apt install "
                                   "postgresql-client-15).")
    parsed = make_url(url)
    # The password travels in the environment, not on a command line that `ps` shows.
    libpq = parsed.set(drivername="postgresql", password=None).render_as_string(hide_password=False)
    environment = os.environ | ({"PGPASSWORD": str(parsed.password)} if parsed.password else {})
    partial = target.with_suffix(".partial")
    command = [pg_dump, "--format=custom", "--no-owner", f"--file={partial}", f"--dbname={libpq}"]
    result = subprocess.run(command, capture_output=True, text=True, check=False, env=environment)
    if result.returncode:
        partial.unlink(missing_ok=True)
        raise click.ClickException(f"pg_dump failed: {result.stderr.strip()}")
    partial.rename(target)


def prune(folder: Path, suffix: str, keep: int) -> int:
    """Delete all but the newest `keep` backups of a kind; return how many went."""
    if keep <= 0:
        return 0
    backups = sorted(folder.glob(f"hailong-*{suffix}"))
    for old in backups[:-keep]:
        old.unlink()
    return max(0, len(backups) - keep)
