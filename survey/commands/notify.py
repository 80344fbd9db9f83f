"""Commands run by a timer: `alerts` (every few minutes), `digest` (daily or weekly), `purge` (daily)."""

from datetime import date

import click
from flask import current_app
from flask.cli import with_appcontext
from sqlmodel import Session

from survey.core import retention
from survey.db import get_engine
from survey.notify import alerts, digests


@click.command("alerts")
@with_appcontext
def alerts_command():
    """Check every scope's alert rules and mail what is new (each alert once)."""
    with Session(get_engine(), expire_on_commit=False) as session:
        sent = alerts.run(session)
    summary = ", ".join(f"{kind} {count}" for kind, count in sorted(sent.items())) or "none"
    click.echo(f"Alerts sent: {summary}.")


@click.command("digest")
@with_appcontext
@click.option("--period", type=click.Choice(tuple(digests.PERIODS)), required=True,
              help="Send the daily or the weekly digest.")
@click.option("--today", type=click.DateTime(formats=["%Y-%m-%d"]), default=None,
              help="Local date to act as today (the digest covers the days before it).")
def digest_command(period: str, today):
    """Mail the digest to every user who chose this period (each user once per window)."""
    day: date | None = today.date() if today else None
    with Session(get_engine(), expire_on_commit=False) as session:
        done = digests.run(session, period, today=day)
    click.echo(f"Digests sent: {done.get('sent', 0)}; already sent before: {done.get('skipped', 0)}.")


@click.command("purge")
@with_appcontext
@click.option("--batch", type=click.IntRange(min=1), default=None, help="Responses changed per transaction.")
def purge_command(batch: int | None):
    """Blank comments and technical fields older than the RETENTION_* settings (scores stay the same)."""
    result = retention.purge(get_engine(), current_app.config, batch=batch)
    for kind, count in result.blanked.items():
        cutoff = result.cutoffs[kind]
        kept = f"before {cutoff:%Y-%m-%d %H:%M} UTC" if cutoff else "kept for ever (setting 0)"
        click.echo(f"{kind}: {count:,} responses blanked, {kept}.")
