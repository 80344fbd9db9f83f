"""What every score page needs: the user's scope, the filters read from the query string, settings."""

from dataclasses import dataclass

from flask import abort, current_app, request
from flask_babel import gettext as _
from flask_login import current_user
from sqlmodel import select

from forms.manage import ScoreFilterForm
from survey.db import get_session
from survey.models import Channel, Service, Unit, UnitService
from survey.periods import Period, PeriodError
from survey.periods import parse as parse_period
from survey.scores import Filters, Settings, subtree_units
from survey.web.auth import unit_in_scope_or_404

CHANNEL_LABELS = {
    "counter-qr": "QR at the counter", "receipt": "QR on the receipt", "kiosk": "Kiosk", "paper": "Paper",
}


@dataclass
class Page:
    """The unit shown, its subtree, the filters and the settings of one request."""

    unit: Unit
    units: list[Unit]
    form: ScoreFilterForm
    #: (value, label) options of the service, channel and flagged selects.
    choices: dict
    period: Period
    #: The period as the links repeat it (its canonical key), None for the default or an unreadable text.
    period_text: str | None
    service: str | None
    channel: str | None
    include_flagged: bool
    settings: Settings
    sort: str
    #: What this request's filters held that could not be used, said once, on this page only.
    notices: tuple[str, ...] = ()

    @property
    def filters(self) -> Filters:
        service_id = None
        if self.service:
            service_id = get_session().exec(select(Service.id).where(Service.code == self.service)).first()
        return Filters(self.period, service_id=service_id, channel=self.channel,
                       include_flagged=self.include_flagged)

    def score_options(self) -> dict:
        """Return the keyword options of scores.score_scope for this page."""
        return {"unit": self.unit, "period": self.period, "service": self.service, "channel": self.channel,
                "include_flagged": self.include_flagged, "settings": self.settings}

    def args(self, **changes) -> dict:
        """Return the page's query parameters (for links that keep the filters), with changes."""
        args = {"period": self.period_text, "service": self.service, "channel": self.channel,
                "flagged": None if self.include_flagged else "exclude", "sort": self.sort or None}
        args.update(changes)
        return {key: value for key, value in args.items() if value}


def scope_root() -> Unit:
    """Return the root of the signed-in user's scope (a province admin over all: the first root)."""
    if current_user.scope is not None:
        return current_user.scope
    root = get_session().exec(select(Unit).where(Unit.parent_id.is_(None)).order_by(Unit.id)).first()
    if root is None:
        abort(404)
    return root


def read_page(code: str | None = None) -> Page:
    """Resolve the unit (404 outside the user's scope) and read the filters of the query string."""
    unit = unit_in_scope_or_404(code) if code else scope_root()
    session = get_session()
    units = subtree_units(session, unit)
    form = ScoreFilterForm(formdata=request.args)
    offered = session.exec(
        select(Service).join(UnitService, UnitService.service_id == Service.id)
        .where(UnitService.unit_id.in_([u.id for u in units]))
        .distinct()
        .order_by(Service.field, Service.name)
    ).all()
    choices = {
        "service": [("", _("All services"))] + [(s.code, f"{s.code} · {s.name}") for s in offered],
        "channel": [("", _("All channels"))] + [(c.value, _(CHANNEL_LABELS[c.value])) for c in Channel],
        "flagged": [("include", _("Included")), ("exclude", _("Left out"))],
    }
    unknown = {
        "service": _("The service “%(value)s” is not one of this scope's services and was left out."),
        "channel": _("The channel “%(value)s” was not understood and was left out."),
        "flagged": _("The choice “%(value)s” for flagged responses was not understood; they are included."),
    }
    notices = [unknown[name] % {"value": form[name].data[:40]} for name in unknown
               if form[name].data and form[name].data not in dict(choices[name])]
    try:
        period = parse_period(form.period.data)
        period_text = period.key if form.period.data else None
    except PeriodError:
        period_text = None
        notices.append(_("The period “%(value)s” was not understood, so the last 12 months are shown. "
                         "Write it as 2026, Q3/2026, 07/2026 or 01/07/2026-30/09/2026.",
                         value=(form.period.data or "")[:40]))
        period = parse_period(None)
    chosen = {name: form[name].data if form[name].data in dict(choices[name]) else None
              for name in ("service", "channel")}
    return Page(
        unit=unit,
        units=units,
        form=form,
        choices=choices,
        period=period,
        period_text=period_text,
        service=chosen["service"] or None,
        channel=chosen["channel"] or None,
        include_flagged=form.flagged.data != "exclude",
        settings=Settings.from_config(current_app.config),
        sort=request.args.get("sort", ""),
        notices=tuple(notices),
    )
