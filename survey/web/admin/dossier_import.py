"""Import of dossier facts from an export file: preview the column mapping, check every row, then import."""

import base64
import binascii

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from werkzeug.datastructures import FileStorage

from forms.admin import DossierImportForm
from survey.core import audit
from survey.core.dossier_import import HEADINGS, REQUIRED, TableError, guess_mapping, import_rows, read_table
from survey.db import get_session
from survey.models import Unit, UnitKind
from survey.scores.tally import hold_folds
from survey.web.admin.blueprint import bp

#: Largest file accepted (bytes).
MAX_BYTES = 5_000_000
#: Rows shown in the preview.
PREVIEW = 5


@bp.route("/dossier-import")
def dossier_import():
    """Show the upload form."""
    return render_template("admin/dossier_import.html", form=DossierImportForm(), table=None)


@bp.route("/dossier-import", methods=["POST"])
def check_dossier_import():
    """Check (dry run) or import an uploaded file: all rows or none."""
    form = DossierImportForm()
    if not form.validate_on_submit():
        abort(400)
    data, filename = uploaded(form)
    try:
        header, rows = read_table(data, filename)
    except TableError as exc:
        flash(_("This file cannot be read: %(reason)s", reason=str(exc)), "error")
        return redirect(url_for("admin.dossier_import"), code=303)
    mapping = chosen_mapping(header)
    session = get_session()
    hold_folds(session.connection())
    scope = current_user.scope or Unit(code="", name="", kind=UnitKind.PROVINCE, path="/")
    report = import_rows(session, header, rows, mapping, within=scope)
    if request.form.get("action") == "import" and report.ok:
        audit.record(session, current_user.id, "import", "dossier", None,
                     {"file": filename, "rows": len(rows), **report.counts})
        session.commit()
        counts = {status: report.counts.get(status, 0) for status in ("created", "updated", "unchanged")}
        flash(_("Imported %(rows)s rows: %(created)s new dossiers, %(updated)s updated, "
                "%(unchanged)s unchanged.", rows=len(rows), **counts), "success")
        return redirect(url_for("admin.dossier_import"), code=303)
    session.rollback()
    form.content.data, form.filename.data = base64.b64encode(data).decode(), filename
    return render_template("admin/dossier_import.html", form=form, table=(header, rows[:PREVIEW], len(rows)),
                           mapping=mapping, facts=list(HEADINGS), required=REQUIRED, report=report)


def uploaded(form: DossierImportForm) -> tuple[bytes, str]:
    """Return the bytes and name of the file: the new upload, else the one carried by the preview."""
    file = form.upload.data
    if isinstance(file, FileStorage) and file.filename:
        data, filename = file.read(MAX_BYTES + 1), file.filename
    else:
        try:
            data = base64.b64decode(form.content.data or "", validate=True)
            filename = form.filename.data or ""
        except (binascii.Error, ValueError):
            abort(400)
    if not data:
        flash(_("Choose a file to check."), "error")
        abort(redirect(url_for("admin.dossier_import"), code=303))
    if len(data) > MAX_BYTES:
        flash(_("The file is larger than 5 MB: split it."), "error")
        abort(redirect(url_for("admin.dossier_import"), code=303))
    return data, filename


def chosen_mapping(header: list[str]) -> dict[str, str]:
    """Return the mapping the form chose (map-<fact> = a heading of the file), or the guessed one."""
    if not any(key.startswith("map-") for key in request.form):
        return guess_mapping(header)
    mapping = {}
    for fact in HEADINGS:
        column = request.form.get(f"map-{fact}", "")
        if column in header:
            mapping[fact] = column
    return mapping
