"""Commands for administrators at the console: counters and their QR codes, receipt links, users."""

import json
import os
from pathlib import Path

import click
from flask.cli import with_appcontext
from sqlmodel import Session, select

from forms.admin import MAX_PASSWORD, MIN_PASSWORD
from survey.commands.options import unit_option
from survey.core import audit, qr
from survey.core.passwords import hash_password
from survey.core.receipts import UnitClosed, issue_receipt, receipt_url
from survey.db import get_engine
from survey.models import Counter, Role, Service, Unit, User


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
    if not MIN_PASSWORD <= len(password) <= MAX_PASSWORD:  # the rule of the administration's form
        raise click.BadParameter(f"use {MIN_PASSWORD} to {MAX_PASSWORD} characters", param_hint="password")
    with Session(get_engine()) as session:
        unit, scope = None, ""
        if unit_code:
            unit = unit_option(session, unit_code)
            scope = f" for {unit.code}"
        elif role != Role.PROVINCE_ADMIN:
            raise click.BadParameter("unit managers and viewers need --unit", param_hint="--unit")
        if session.exec(select(User).where(User.username == username)).first():
            raise click.BadParameter(f"user {username!r} exists already", param_hint="USERNAME")
        user = User(username=username, password_hash=hash_password(password), role=role,
                    unit_id=unit and unit.id)
        session.add(user)
        session.flush()
        audit.record(session, None, "create", user, None, audit.snapshot(user))  # by the command line
        session.commit()
    click.echo(f"Created {role} {username}{scope}")


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
    click.echo(f"{'Poster' if poster else 'QR code'} of {unit.name} · {counter.name} ({url}) "
               f"written to {out}")


@click.command("receipt")
@with_appcontext
@click.option("--unit", "unit_code", required=True, help="Code of the unit that received the dossier.")
@click.option("--service", "service_code", required=True, help="National code of the procedure.")
@click.option("--dossier", "dossier_code", required=True, help="Dossier code printed on the receipt.")
@click.option("--days", default=30, show_default=True, help="Days the link stays valid.")
def receipt_command(unit_code: str, service_code: str, dossier_code: str, days: int):
    """Issue a receipt survey link for one dossier and print its absolute URL."""
    with Session(get_engine()) as session:
        unit = unit_option(session, unit_code)
        service = session.exec(select(Service).where(Service.code == service_code)).first()
        if service is None:
            raise click.BadParameter(f"no procedure with code {service_code!r}", param_hint="--service")
        try:
            token = issue_receipt(session, unit=unit, service=service, dossier_code=dossier_code,
                                  valid_days=days)
        except UnitClosed as exc:
            raise click.BadParameter(str(exc), param_hint="--unit") from None
        session.commit()
    click.echo(receipt_url(token))
