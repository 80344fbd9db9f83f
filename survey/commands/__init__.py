"""The `flask --app survey …` commands, one module per kind of work.

- `database`: `init-db` (Alembic upgrade to head), `demo` (seed the demo province), `tally`;
- `admin`: `counters`, `qr`, `receipt`, `create-user`;
- `report`: `scores`;
- `notify`: `alerts`, `digest`, `purge`;
- `backup`: `backup` (a consistent copy of the live database);
- `imports`: `import dossiers FILE` (dossier facts from a one-stop system's CSV or XLSX export);
- `webhooks`: `webhooks deliver`, `webhooks verdicts` (send the outbox's due deliveries; queue
  the month's verdict changes).

Their helpers live here too: `migrate` (Alembic from code), `demo` and `demo_data` (the demo
province), `bulk` (fast loads for the demo and the benchmarks), `options` (a unit named by --unit).
"""

import functools

import click
from flask import Flask
from sqlalchemy.exc import OperationalError, ProgrammingError

from survey.commands import admin, backup, database, imports, notify, report, webhooks
from survey.instruments import InstrumentError
from survey.instruments.catalogue import InstrumentVersionConflict


def init_app(app: Flask) -> None:
    """Register every command, each failing with one clear line instead of a traceback."""
    for command in (database.init_db_command, database.demo_command, database.tally_command,
                    admin.counters_command, admin.create_user_command, admin.qr_command,
                    admin.receipt_command, report.scores_command, notify.alerts_command,
                    notify.digest_command, notify.purge_command, backup.backup_command,
                    imports.import_group, webhooks.webhooks_group):
        for each in [command, *getattr(command, "commands", {}).values()]:  # a group's commands too
            if each.callback and not getattr(each.callback, "one_line_errors", False):
                each.callback = one_line_errors(each.callback)
        app.cli.add_command(command)


def one_line_errors(callback):
    """Turn the failures a command cannot help (database, instruments) into one line of click error."""

    @functools.wraps(callback)
    def run(*args, **kwargs):
        try:
            return callback(*args, **kwargs)
        except (OperationalError, ProgrammingError) as error:
            cause = str(error.orig).strip().splitlines()[0] if error.orig else type(error).__name__
            raise click.ClickException(
                f"the database cannot answer ({cause}): is it running, and set up with "
                "`flask --app survey init-db`?"
            ) from None
        except (InstrumentError, InstrumentVersionConflict) as error:
            raise click.ClickException(str(error)) from None

    run.one_line_errors = True  # type: ignore[attr-defined]
    return run
