"""`flask import dossiers FILE`: dossier facts from a one-stop system's CSV or XLSX export."""

from pathlib import Path

import click
from flask.cli import with_appcontext
from sqlmodel import Session

from survey.commands.options import unit_option
from survey.core import audit
from survey.core.dossier_import import HEADINGS, TableError, guess_mapping, import_rows, read_table
from survey.db import get_engine, writing
from survey.models import Unit, UnitKind
from survey.scores.tally import hold_folds


@click.group("import")
def import_group():
    """Import data exported by other systems."""


@import_group.command("dossiers")
@with_appcontext
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--unit", "unit_code", default=None, help="Refuse dossiers outside this unit's subtree.")
@click.option("--map", "maps", multiple=True, metavar="FACT=COLUMN",
              help=f"Take a fact from a column (facts: {', '.join(HEADINGS)}); else guessed from headings.")
@click.option("--dry-run", is_flag=True, help="Check every row and report; store nothing.")
def import_dossiers_command(file: Path, unit_code: str | None, maps: tuple[str, ...], dry_run: bool):
    """Import dossier facts: every row or none; importing the same file again changes nothing."""
    try:
        header, rows = read_table(file.read_bytes(), file.name)
    except TableError as exc:
        raise click.ClickException(str(exc)) from None
    mapping = guess_mapping(header)
    for text in maps:
        fact, _, column = text.partition("=")
        if not column:
            raise click.BadParameter(f"{text!r} is not FACT=COLUMN", param_hint="--map")
        mapping[fact.strip()] = column.strip()
    click.echo("columns: " + ", ".join(f"{fact} ← {column}" for fact, column in mapping.items()))
    with writing(), Session(get_engine()) as session:
        hold_folds(session.connection())
        within = Unit(code="", name="", kind=UnitKind.PROVINCE, path="/")
        if unit_code is not None:
            within = unit_option(session, unit_code)
        report = import_rows(session, header, rows, mapping, within=within)
        for line, reason in report.bad:
            click.echo(f"line {line}: {reason}", err=True)
        counts = ", ".join(f"{n} {status}" for status, n in sorted(report.counts.items())) or "no rows"
        if not report.ok:
            session.rollback()
            raise click.ClickException(f"{len(report.bad)} bad rows: nothing imported ({counts} otherwise)")
        if dry_run:
            session.rollback()
            click.echo(f"dry run: {counts}; nothing stored")
            return
        audit.record(session, None, "import", "dossier", None,
                     {"file": file.name, "rows": len(rows), **report.counts})
        session.commit()
    click.echo(f"imported: {counts}")
