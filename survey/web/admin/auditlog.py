"""The audit log: a paged, filterable page and a CSV export (province admins only)."""

import csv
import io

from flask import Response, render_template, request
from sqlmodel import func, select

from forms.admin import AuditFilterForm
from survey.core.cells import inert_row
from survey.db import get_session
from survey.models import AuditEvent, User
from survey.web.admin.blueprint import admins_only, bp

PAGE_SIZE = 50
CSV_COLUMNS = ("id", "at", "user", "action", "entity", "entity_id", "before", "after")


def filtered(form: AuditFilterForm):
    """Return the audit query narrowed by the filters, newest first."""
    query = select(AuditEvent, User.username).join(User, AuditEvent.user_id == User.id, isouter=True)
    if form.entity.data:
        query = query.where(AuditEvent.entity == form.entity.data)
    if form.action.data:
        query = query.where(AuditEvent.action == form.action.data)
    if form.user.data:
        query = query.where(User.username == form.user.data)
    return query.order_by(AuditEvent.at.desc(), AuditEvent.id.desc())


@bp.route("/audit")
def audit_log():
    """Show the audit log, newest first, a page at a time."""
    admins_only()
    form = AuditFilterForm(request.args)
    form.validate()
    page = form.page.data if not form.page.errors and form.page.data else 1
    query = filtered(form)
    total = get_session().exec(select(func.count()).select_from(query.subquery())).one()
    rows = get_session().exec(query.offset((page - 1) * PAGE_SIZE).limit(PAGE_SIZE)).all()
    pages = max(1, -(-total // PAGE_SIZE))
    args = {key: value for key, value in request.args.items() if key != "page"}
    return render_template(
        "admin/audit.html", form=form, rows=rows, page=page, pages=pages, total=total, args=args
    )


@bp.route("/audit.csv")
def audit_csv():
    """Export the (filtered) audit log as CSV."""
    admins_only()
    form = AuditFilterForm(request.args)
    form.validate()
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(CSV_COLUMNS)
    for event, username in get_session().exec(filtered(form)).all():
        writer.writerow(inert_row(
            [event.id, event.at.isoformat(), username or "", event.action, event.entity, event.entity_id,
             event.before or "", event.after or ""]
        ))
    return Response(
        "\ufeff" + buffer.getvalue(),
        mimetype="text/csv",
        headers={"Content-Disposition": "attachment; filename=audit-log.csv"},
    )
