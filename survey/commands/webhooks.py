"""`flask webhooks deliver` sends the deliveries that are due (every minute from a timer);
`flask webhooks verdicts` queues the verdict changes of the month that ended (once a month)."""

from datetime import timedelta

import click
from flask.cli import with_appcontext
from sqlmodel import Session, col, select

from survey import scores
from survey.core import webhooks
from survey.core.webhooks import deliver_due
from survey.db import get_engine
from survey.models import Unit, Webhook
from survey.periods import PeriodError, local_today, parse


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


@webhooks_group.command("verdicts")
@with_appcontext
@click.option("--month", default=None, help="The month that ended (YYYY-MM); default the last one (UTC+7).")
def verdicts_command(month: str | None):
    """Queue verdict.changed for every unit whose verdict for a month differs from the month before.

    Run it once a month after the month's last responses (a timer on the 1st); running it again
    queues nothing twice.
    """
    today = local_today()
    ended = month or (today.replace(day=1) - timedelta(days=1)).strftime("%Y-%m")
    try:
        current = parse(ended)
    except PeriodError as exc:
        raise click.BadParameter(str(exc), param_hint="--month") from None
    before = (current.first - timedelta(days=1)).strftime("%Y-%m")
    event = "verdict.changed"
    listening = select(Webhook.unit_id).where(col(Webhook.active), col(Webhook.events).contains(event))
    marker = f'"month": "{ended}"'
    queued = 0
    with Session(get_engine(), expire_on_commit=False) as session:
        for root in session.exec(select(Unit).where(col(Unit.id).in_(listening))).all():
            units = {unit.code: unit for unit in scores.subtree_units(session, root)}
            now, then = (verdicts(session, root, period) for period in (ended, before))
            for code, status in now.items():
                # A unit under two listening roots is announced once (enqueue reaches every webhook).
                if status == then.get(code) or webhooks.announced(session, event, units[code], marker):
                    continue
                queued += webhooks.enqueue(session, event, units[code],
                                           {"month": ended, "verdict": status, "previous": then.get(code)})
                session.flush()
        session.commit()
    click.echo(f"{queued} deliveries queued for {ended}")


def verdicts(session: Session, root: Unit, period: str) -> dict[str, str]:
    """Return {unit code: verdict status} of every unit of a subtree for a period."""
    table = scores.score_scope(session, unit=root, period=period, level="all")
    return {row["unit"]: row["verdict"]["status"] for row in table.rows}
