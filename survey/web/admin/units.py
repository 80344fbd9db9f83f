"""Administration of units and the procedures each unit handles."""

from flask import abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import func
from sqlmodel import select
from wtforms import SelectChoice

from forms.admin import (
    ConfirmForm,
    CounterForm,
    RenameForm,
    ServiceForm,
    UnitForm,
    UnitServicesForm,
)
from survey import instruments
from survey.core import audit
from survey.core.units import add_unit
from survey.db import get_session
from survey.models import Counter, Service, Unit, UnitService
from survey.web import labels
from survey.web.admin.alerts import alert_form
from survey.web.admin.blueprint import (
    admins_only,
    bp,
    code_free,
    commit_change,
    depth,
    toggle_active,
    unit_choices,
    unit_or_404,
    units_in_scope,
    validated,
)
from survey.web.admin.publish import public_page


@bp.route("/")
def index():
    """List the units in scope as a tree, with a form to add one."""
    form = UnitForm()
    form.parent.choices, form.kind.choices = unit_choices(), labels.unit_kind_choices()
    units = units_in_scope()
    counts = counter_counts([unit.id for unit in units])
    return render_template(
        "admin/index.html", units=units, depth=depth, counts=counts, form=form,
        service_form=ServiceForm(prefix="service"),
    )


def counter_counts(unit_ids: list[int]) -> dict[int, int]:
    """Return the number of active counters per unit."""
    rows = get_session().exec(
        select(Counter.unit_id, func.count())
        .where(Counter.unit_id.in_(unit_ids), Counter.active)
        .group_by(Counter.unit_id)
    ).all()
    return dict(rows)


@bp.route("/units", methods=["POST"])
def create_unit():
    """Create a unit under a parent in scope."""
    form = UnitForm()
    form.parent.choices, form.kind.choices = unit_choices(), labels.unit_kind_choices()
    validated(form, url_for("admin.index"))
    code_free(Unit, form.code.data, _("A unit with code %(code)s exists already.", code=form.code.data),
              url_for("admin.index"))
    session = get_session()
    parent = unit_or_404(form.parent.data)
    unit = add_unit(session, form.code.data, form.name.data, form.kind.data, parent)
    return commit_change("create", unit, None, _("Unit %(name)s created.", name=unit.name))


@bp.route("/units/<int:unit_id>")
def unit(unit_id: int):
    """Show a unit: rename, deactivate, its counters and its procedures."""
    unit = unit_or_404(unit_id)
    session = get_session()
    counters = session.exec(select(Counter).where(Counter.unit_id == unit.id).order_by(Counter.id)).all()
    services = session.exec(select(Service).order_by(Service.code)).all()
    chosen = set(session.exec(select(UnitService.service_id).where(UnitService.unit_id == unit.id)).all())
    services_form = UnitServicesForm(services=sorted(chosen))
    services_form.services.choices = [SelectChoice(s.id, f"{s.code} · {s.name}") for s in services]
    counter_form = CounterForm(instrument=instruments.QUICK)
    counter_form.instrument.choices = instrument_choices()
    return render_template(
        "admin/unit.html",
        unit=unit,
        parent=session.get(Unit, unit.parent_id) if unit.parent_id else None,
        counters=counters,
        rename_form=RenameForm(name=unit.name),
        confirm_form=ConfirmForm(),
        services_form=services_form,
        counter_form=counter_form,
        alert_form=alert_form(unit),
        public=public_page(unit),
    )


def instrument_choices() -> list[SelectChoice]:
    """Return the shipped questionnaires as select choices."""
    return [SelectChoice(code, f"{instruments.load(code).title['vi']} ({code})")
            for code in instruments.available()]


@bp.route("/units/<int:unit_id>/rename", methods=["POST"])
def rename_unit(unit_id: int):
    """Rename a unit."""
    unit = unit_or_404(unit_id)
    form = RenameForm()
    validated(form, url_for("admin.unit", unit_id=unit.id))
    before = audit.snapshot(unit)
    unit.name = form.name.data
    return commit_change("rename", unit, before, _("Unit renamed."))


@bp.route("/units/<int:unit_id>/active", methods=["POST"])
def toggle_unit(unit_id: int):
    """Deactivate an active unit or reactivate an inactive one (never one's own scope root)."""
    unit = unit_or_404(unit_id)
    if unit.parent_id is None:
        abort(400)
    if current_user.scope is not None and unit.id == current_user.scope.id:
        abort(404)
    return toggle_active(unit, reactivated=_("Unit reactivated."), deactivated=_("Unit deactivated."))


@bp.route("/units/<int:unit_id>/services", methods=["POST"])
def unit_services(unit_id: int):
    """Set the procedures a unit handles."""
    unit = unit_or_404(unit_id)
    session = get_session()
    form = UnitServicesForm()
    form.services.choices = [SelectChoice(s.id, s.code) for s in session.exec(select(Service)).all()]
    validated(form, url_for("admin.unit", unit_id=unit.id))
    links = session.exec(select(UnitService).where(UnitService.unit_id == unit.id)).all()
    before = sorted(link.service_id for link in links)
    for link in links:
        if link.service_id not in form.services.data:
            session.delete(link)
    for service_id in set(form.services.data) - set(before):
        session.add(UnitService(unit_id=unit.id, service_id=service_id))
    audit.record(session, current_user.id, "services", unit,
                 {"services": before}, {"services": sorted(form.services.data)})
    session.commit()
    flash(_("Procedures saved."), "success")
    return redirect(url_for("admin.unit", unit_id=unit.id), code=303)


@bp.route("/services", methods=["POST"])
def create_service():
    """Add a procedure to the catalogue (province admins only)."""
    admins_only()
    form = ServiceForm(prefix="service")
    validated(form, url_for("admin.index"))
    code_free(Service, form.code.data,
              _("A procedure with code %(code)s exists already.", code=form.code.data),
              url_for("admin.index"))
    service = Service(code=form.code.data, name=form.name.data, field=form.field.data)
    return commit_change("create", service, None, _("Procedure %(code)s added.", code=service.code))
