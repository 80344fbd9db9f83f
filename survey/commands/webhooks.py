"""`flask webhooks deliver`: send the webhook deliveries that are due (run it every minute from a timer)."""

import click
from flask.cli import with_appcontext
from sqlmodel import Session

from survey.core.webhooks import deliver_due
from survey.db import get_engine


@click.group("webhooks")
def webhooks_group():
    """Webhook deliveries."""


@webhooks_group.command("deliver")
@with_appcontext
@click.option("--limit", default=500, show_default=True, help="Most deliveries sent in this run.")
def deliver_command(limit: int):
    """Send due deliveries once; failures wait (30 s, 1 min, 2 min … 6 h) and are retried by a later run."""
    with Session(get_engine(), expire_on_commit=False) as session:
        outcome = deliver_due(session, limit=limit)
    click.echo(", ".join(f"{n} {name}" for name, n in outcome.items()))
