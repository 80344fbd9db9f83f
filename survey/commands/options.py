"""What the commands' options share: a unit named by its code."""

import click
from sqlmodel import Session

from survey.core.units import UnknownUnit, unit_by_code
from survey.models import Unit


def unit_option(session: Session, code: str) -> Unit:
    """Return the unit --unit names by its code, in any case; a usage error if it names none or several."""
    try:
        return unit_by_code(session, code)
    except UnknownUnit as exc:
        raise click.BadParameter(str(exc), param_hint="--unit") from None
