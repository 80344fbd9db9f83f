"""Paper questionnaires of a counter: printable A4 forms with their identity, and keyboard data entry."""

from datetime import UTC, datetime, time, timedelta

from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from markupsafe import Markup
from sqlmodel import col, select

from forms.admin import ConfirmForm, PaperEntryForm
from survey import instruments
from survey.core import audit, qr
from survey.core.paper import PaperError, Typed, enter_form, form_identity, read_form_number
from survey.core.responses import InvalidResponse
from survey.db import get_session
from survey.instruments.catalogue import of_row, row_for
from survey.models import PaperEntry, utcnow
from survey.periods import LOCAL_OFFSET
from survey.web.admin.blueprint import bp, counter_or_404, form_errors

#: Most forms printed at once.
MAX_PRINT = 200
#: Item kinds typed from paper (multi-choice reasons are left to the kiosk).
TYPED_KINDS = ("rating", "points")


@bp.route("/counters/<int:counter_id>/paper-forms")
def paper_forms(counter_id: int):
    """Print A4 paper questionnaires of a counter, one per serial, each with its identity as a QR code."""
    counter, unit = counter_or_404(counter_id)
    first = request.args.get("first", "1")
    count = request.args.get("count", "20")
    if not (first.isdigit() and count.isdigit() and 0 < int(first) < 10**9 and 0 < int(count) <= MAX_PRINT):
        abort(404)
    row = row_for(get_session(), counter.instrument_code)
    serials = range(int(first), int(first) + int(count))
    identities = [form_identity(counter.id, row.id, serial) for serial in serials]
    codes = {identity: Markup(qr.inline_svg(identity, label=identity)) for identity in identities}
    return render_template("admin/paper_forms.html", counter=counter, unit=unit, instrument=of_row(row),
                           version=row, identities=identities, codes=codes, kinds=TYPED_KINDS)


@bp.route("/counters/<int:counter_id>/paper")
def paper_entry(counter_id: int):
    """Show the data-entry row of a counter's paper forms, and the forms waiting for a second typing."""
    counter, unit = counter_or_404(counter_id)
    session = get_session()
    instrument = of_row(row_for(session, counter.instrument_code))
    waiting = session.exec(select(PaperEntry).where(col(PaperEntry.counter_id) == counter.id,
                                                    col(PaperEntry.response_id).is_(None))
                           .order_by(col(PaperEntry.serial))).all()
    return render_template("admin/paper_entry.html", counter=counter, unit=unit, instrument=instrument,
                           items=[i for i in instrument.items if i.kind in TYPED_KINDS],
                           form=PaperEntryForm(), confirm_form=ConfirmForm(), waiting=waiting,
                           double=current_app.config["PAPER_DOUBLE_ENTRY"])


@bp.route("/counters/<int:counter_id>/paper", methods=["POST"])
def enter_paper(counter_id: int):
    """Take one typed form: record it, keep it for its second typing, or say what is wrong."""
    counter, _unit = counter_or_404(counter_id)
    back = url_for("admin.paper_entry", counter_id=counter.id)
    form = PaperEntryForm()
    if not form.validate_on_submit():
        form_errors(form)
        return redirect(back, code=303)
    session = get_session()
    try:
        serial, row = read_form_number(form.number.data, counter=counter,
                                       current=row_for(session, counter.instrument_code), session=session)
        typed = Typed(serial, typed_values(of_row(row)), form.comment.data or None,
                      answered_time(form.answered_on.data))
        entered = enter_form(session, user_id=current_user.id, counter=counter, instrument_row=row,
                             typed=typed, double_entry=current_app.config["PAPER_DOUBLE_ENTRY"])
    except (PaperError, InvalidResponse) as exc:
        session.rollback()
        flash(_("Form %(number)s not taken: %(reason)s", number=form.number.data, reason=str(exc)), "error")
        return redirect(back, code=303)
    action = "paper-entry" if entered.entry.second_user_id is None else "paper-second-entry"
    audit.record(session, current_user.id, action, entered.entry, None, who_typed(entered.entry))
    session.commit()
    message = (_("Form %(serial)s recorded.", serial=serial) if entered.status == "recorded"
               else _("Form %(serial)s kept: another person must type it again.", serial=serial))
    flash(message, "success")
    return redirect(back, code=303)


@bp.route("/paper-entries/<int:entry_id>/discard", methods=["POST"])
def discard_paper_entry(entry_id: int):
    """Discard a first typing still waiting for its second (a typing error), audited."""
    entry = get_session().get(PaperEntry, entry_id)
    if entry is None or entry.response_id is not None:
        abort(404)
    counter, _unit = counter_or_404(entry.counter_id)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    session = get_session()
    audit.record(session, current_user.id, "discard", entry, who_typed(entry), None)
    session.delete(entry)
    session.commit()
    flash(_("The first typing of form %(serial)s was discarded.", serial=entry.serial), "success")
    return redirect(url_for("admin.paper_entry", counter_id=counter.id), code=303)


def who_typed(entry: PaperEntry) -> dict:
    """Return what the audit log keeps of an entry: who typed which form when, not the answers or comment."""
    return {k: v for k, v in (audit.snapshot(entry) or {}).items() if k != "first_values"}


def typed_values(instrument: instruments.Instrument) -> dict[str, int | None]:
    """Return the typed answers (v-<code> fields; empty is not answered), or raise PaperError."""
    values: dict[str, int | None] = {}
    for item in instrument.items:
        if item.kind not in TYPED_KINDS:
            continue
        text = request.form.get(f"v-{item.code}", "").strip()
        if text and not (text.isdigit() and len(text) <= 2):
            raise PaperError(f"the answer to {item.code} must be a number, got {text[:20]!r}")
        values[item.code] = int(text) if text else None
    return values


def answered_time(day) -> datetime | None:
    """Return local noon of the day the form was answered, in UTC (None when not given)."""
    if day is None:
        return None
    moment = datetime.combine(day, time(12), UTC) - LOCAL_OFFSET
    if moment > utcnow() + timedelta(hours=12):
        raise PaperError(f"the day {day.isoformat()} is in the future")
    return moment
