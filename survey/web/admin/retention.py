"""Data retention: the settings, what `flask purge` would blank now, and the purges done (province admins)."""

import json
from datetime import UTC, datetime

from flask import current_app, render_template
from sqlmodel import select

from survey.core import retention as rules
from survey.db import get_session
from survey.models import AuditEvent
from survey.web.admin.blueprint import admins_only, bp


@bp.route("/retention")
def retention():
    """Show how long comments and technical fields are kept, what is due, and the last purges."""
    admins_only()
    session = get_session()
    cutoffs = rules.cutoffs(current_app.config, datetime.now(UTC))
    purges = session.exec(
        select(AuditEvent).where(AuditEvent.action == "purge", AuditEvent.entity == "response")
        .order_by(AuditEvent.at.desc(), AuditEvent.id.desc()).limit(20)
    ).all()
    return render_template(
        "admin/retention.html", cutoffs=cutoffs, due=rules.pending(session, cutoffs),
        months={kind: int(current_app.config[setting]) for kind, setting in rules.SETTINGS.items()},
        purges=[(event.at, json.loads(event.after or "{}")) for event in purges],
    )
