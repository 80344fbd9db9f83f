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
province), `bulk` (fast loads for the demo and the benchmarks).
"""

from flask import Flask

from survey.commands import admin, backup, database, imports, notify, report, webhooks


def init_app(app: Flask) -> None:
    """Register every command."""
    for command in (database.init_db_command, database.demo_command, database.tally_command,
                    admin.counters_command, admin.create_user_command, admin.qr_command,
                    admin.receipt_command, report.scores_command, notify.alerts_command,
                    notify.digest_command, notify.purge_command, backup.backup_command,
                    imports.import_group, webhooks.webhooks_group):
        app.cli.add_command(command)
