"""The `flask --app survey …` commands."""

import json
import os
import time
from pathlib import Path

import click
from flask import Flask
from flask.cli import with_appcontext
from sqlmodel import Session, select

from survey import demo, migrate, qr, tally
from survey.auth import hash_password
from survey.db import get_engine
from survey.models import Counter, Role, Unit, User
from survey.scores_cli import scores_command


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
def demo_command(responses: int, seed: int, password: str | None, if_empty: bool):
    """Build a demo province with units, counters, services and a year of responses."""
    engine = get_engine()
    with Session(engine) as session:
        seeded = session.exec(select(Unit.id).limit(1)).first() is not None
    if if_empty and seeded:
        click.echo(f"The database has data already; demo sign-in: manager / {password or demo.DEMO_PASSWORD}")
        return
    result = demo.seed(engine, responses=responses, seed=seed, password=password)
    click.echo(
        f"Demo province: {result.units} units, {result.counters} counters, "
        f"{result.services} services, {result.responses:,} responses in {result.seconds:.1f} s."
    )
    click.echo(f"Sign in as {result.username} with password {result.password}")


@click.command("tally")
@with_appcontext
@click.option("--rebuild", is_flag=True, help="Count every response again from scratch.")
def tally_command(rebuild: bool):
    """Add the responses waiting in the queue to the stored tally (pages do it on their own too)."""
    engine = get_engine()
    started = time.perf_counter()
    counted = tally.rebuild(engine) if rebuild else tally.fold(engine)
    click.echo(f"Added {counted:,} responses to the tally in {time.perf_counter() - started:.1f} s.")


def counter_rows(session: Session) -> list[dict]:
    """Return every counter with its unit and absolute survey URL."""
    rows = session.exec(
        select(Counter, Unit).join(Unit, Counter.unit_id == Unit.id).order_by(Unit.id, Counter.id)
    ).all()
    return [
        {
            "id": counter.id,
            "unit": unit.code,
            "unit_name": unit.name,
            "name": counter.name,
            "active": counter.active,
            "instrument": counter.instrument_code,
            "url": qr.survey_url(counter),
        }
        for counter, unit in rows
    ]


@click.command("counters")
@with_appcontext
@click.option("--format", "output", type=click.Choice(["text", "json"]), default="text")
def counters_command(output: str):
    """List counters with their survey URLs."""
    with Session(get_engine()) as session:
        rows = counter_rows(session)
    if output == "json":
        click.echo(json.dumps(rows, ensure_ascii=False, indent=2))
        return
    for row in rows:
        state = "" if row["active"] else "  (inactive)"
        click.echo(f"{row['id']:>5}  {row['unit']:<12} {row['name']:<28} {row['url']}{state}")


@click.command("create-user")
@with_appcontext
@click.argument("username")
@click.option("--role", type=click.Choice([role.value for role in Role]), required=True)
@click.option("--unit", "unit_code", default=None, help="Code of the unit whose subtree the user sees.")
def create_user_command(username: str, role: str, unit_code: str | None):
    """Create a user; the password comes from HAILONG_PASSWORD or a prompt."""
    password = os.environ.get("HAILONG_PASSWORD") or click.prompt(
        "Password", hide_input=True, confirmation_prompt=True
    )
    if len(password) < 8:
        raise click.BadParameter("use at least 8 characters", param_hint="password")
    with Session(get_engine()) as session:
        unit = None
        if unit_code:
            unit = session.exec(select(Unit).where(Unit.code == unit_code)).first()
            if unit is None:
                raise click.BadParameter(f"no unit with code {unit_code!r}", param_hint="--unit")
        elif role != Role.PROVINCE_ADMIN:
            raise click.BadParameter("unit managers and viewers need --unit", param_hint="--unit")
        if session.exec(select(User).where(User.username == username)).first():
            raise click.BadParameter(f"user {username!r} exists already", param_hint="USERNAME")
        session.add(
            User(username=username, password_hash=hash_password(password), role=role, unit_id=unit and unit.id)
        )
        session.commit()
    click.echo(f"Created {role} {username}" + (f" for {unit_code}" if unit_code else ""))


@click.command("qr")
@with_appcontext
@click.argument("counter_id", type=int)
@click.option("--out", "out", type=click.Path(dir_okay=False, writable=True), required=True,
              help="File to write: .svg or .png (by extension).")
@click.option("--poster", is_flag=True, help="Write the A4 poster (SVG) instead of the bare code.")
def qr_command(counter_id: int, out: str, poster: bool):
    """Write a counter's QR code (SVG or PNG) or its A4 poster (SVG)."""
    suffix = Path(out).suffix.lower()
    if suffix not in (".svg", ".png") or (poster and suffix != ".svg"):
        raise click.BadParameter("use a .svg or .png file name (posters are .svg)", param_hint="--out")
    with Session(get_engine()) as session:
        counter = session.get(Counter, counter_id)
        if counter is None:
            raise click.BadParameter(f"no counter with id {counter_id}", param_hint="COUNTER_ID")
        unit = session.get(Unit, counter.unit_id)
        url = qr.survey_url(counter)
        if poster:
            Path(out).write_text(qr.poster_svg(counter, unit), encoding="utf-8")
        else:
            Path(out).write_bytes(qr.svg(url) if suffix == ".svg" else qr.png(url))
    click.echo(f"{'Poster' if poster else 'QR code'} of {unit.name} · {counter.name} ({url}) written to {out}")


def init_app(app: Flask) -> None:
    """Register the commands."""
    for command in (init_db_command, demo_command, tally_command, counters_command, create_user_command, scores_command, qr_command):
        app.cli.add_command(command)
