"""The `flask --app survey …` commands, one module per kind of work.

- `database`: `init-db` (Alembic upgrade to head), `demo` (seed the demo province), `tally`;
- `admin`: `counters`, `qr`, `receipt`, `create-user`;
- `report`: `scores`;
- `notify`: `alerts`, `digest`, `purge`.

Their helpers live here too: `migrate` (Alembic from code), `demo` and `demo_data` (the demo
province), `bulk` (fast loads for the demo and the benchmarks).
"""

from flask import Flask

from survey.commands import admin, database, notify, report


def init_app(app: Flask) -> None:
    """Register every command."""
    for command in (database.init_db_command, database.demo_command, database.tally_command,
                    admin.counters_command, admin.create_user_command, admin.qr_command,
                    admin.receipt_command, report.scores_command, notify.alerts_command,
                    notify.digest_command, notify.purge_command):
        app.cli.add_command(command)
