"""Commands that build the database: `init-db`, `demo` and `tally`."""

import time
from pathlib import Path

import click
from flask import current_app
from flask.cli import with_appcontext
from sqlmodel import Session, col, select

from survey.commands import demo, demo_national, migrate
from survey.config import DEMO_MARKER
from survey.db import get_engine
from survey.models import Unit, UnitKind
from survey.scores import tally


@click.command("init-db")
@with_appcontext
def init_db_command():
    """Create or upgrade the database to the newest revision."""
    migrate.upgrade(get_engine())
    click.echo("Database is at the newest revision.")


@click.command("demo")
@with_appcontext
@click.option("--responses", default=50_000, show_default=True, help="Synthetic responses to add.")
@click.option("--seed", default=2026, show_default=True, help="Random seed.")
@click.option("--password", envvar="HAILONG_PASSWORD", default=None, help="Demo manager password.")
@click.option("--if-empty", is_flag=True, help="Do nothing when the database has units already.")
@click.option("--scale", type=click.Choice(["province", "national"]), default="province", show_default=True,
              help="One province, or the nation with its 34 provinces (about 3,800 units, 10,000 counters).")
@click.option("--provinces", type=click.IntRange(1, len(demo_national.PROVINCES)), default=None,
              help="With --scale national: only the first N provinces (a smaller nation).")
def demo_command(responses: int, seed: int, password: str | None, if_empty: bool, scale: str,
                 provinces: int | None):
    """Build a demo province (or nation) with units, counters, services and a year of responses.

    Marks the instance as a demo, so its home page lists counters and the demo accounts. Run again,
    it adds responses to the structure that is there.
    """
    engine = get_engine()
    national = scale == "national"
    with Session(engine) as session:
        roots = select(Unit.kind).where(col(Unit.parent_id).is_(None)).order_by(col(Unit.id))
        root = session.exec(roots).first()
    seeded = root is not None
    if seeded and not if_empty and (root == UnitKind.NATION) != national:
        # Responses would be added to the structure that is there, not to the one asked for.
        there, asked = ("nation", "province") if root == UnitKind.NATION else ("province", "nation")
        raise click.ClickException(f"this database holds the demo {there}; the demo {asked} needs an empty "
                                   "database (set DATABASE_URL to a new one and run init-db first)")
    (Path(current_app.instance_path) / DEMO_MARKER).write_text("the demo home page is on\n", encoding="utf-8")
    if if_empty and seeded:
        hint = sign_in_hint(password or demo.DEMO_PASSWORD, national=root == UnitKind.NATION)
        click.echo(f"The database has data already. {hint}")
        return
    build = demo_national.builder(provinces or len(demo_national.PROVINCES)) if national else None
    result = demo.seed(engine, responses=responses, seed=seed, password=password, build=build,
                       progress=click.echo)
    click.echo(
        f"Demo {'nation' if national else 'province'}: {result.units} units, {result.counters} counters, "
        f"{result.services} services, {result.responses:,} responses in {result.seconds:.1f} s."
    )
    click.echo(sign_in_hint(result.password, national=national))


def sign_in_hint(password: str, *, national: bool = False) -> str:
    """Name both demo accounts, the scope they manage and their password."""
    return (f"Sign in as manager (unit manager, the whole {'nation' if national else 'province'}) or admin "
            f"(administrator), both with password {password}")


@click.command("tally")
@with_appcontext
@click.option("--rebuild", is_flag=True, help="Count every response again from scratch.")
@click.option("--derive", is_flag=True,
              help="Build the per-unit groups from the stored per-counter groups (once, after upgrading).")
def tally_command(rebuild: bool, derive: bool):
    """Add the responses waiting in the queue to the stored tally (on the primary; a timer runs it)."""
    engine = get_engine()
    started = time.perf_counter()
    if derive and not rebuild:
        groups = tally.derive(engine)
        click.echo(f"Derived {groups:,} per-unit groups in {time.perf_counter() - started:.1f} s.")
        started = time.perf_counter()
    added = tally.rebuild(engine) if rebuild else tally.fold(engine)
    click.echo(f"Added {added.responses:,} responses and the facts of {added.dossiers:,} dossiers "
               f"to the tally in {time.perf_counter() - started:.1f} s.")
