"""POST /api/v1/receipts: the one-stop software asks for a receipt token for a dossier."""

import re

from flask import abort, jsonify
from sqlmodel import select

from survey.core.receipts import UnitClosed, dossier_hash, issue_receipt, receipt_url
from survey.core.responses import by_dossier
from survey.db import get_session
from survey.models import Service, Unit
from survey.web.api.blueprint import authenticate, bp, json_body

#: A dossier code holds at least one letter or digit (the OpenAPI pattern says the same).
DOSSIER = re.compile(r"[0-9A-Za-z]")


@bp.route("/receipts", methods=["POST"])
def create_receipt():
    """Issue a receipt token (and its survey URL) for a dossier of a unit in the key's subtree."""
    caller = authenticate("receipts:write")
    body = json_body()
    unit_code, service_code, dossier = body.get("unit"), body.get("service"), body.get("dossier")
    valid_days = body.get("valid_days", 30)
    if not isinstance(dossier, str) or not DOSSIER.search(dossier) or len(dossier) > 100:
        abort(422, "'dossier' must be the dossier code (1 to 100 characters, a letter or digit among them)")
    if isinstance(valid_days, bool) or not isinstance(valid_days, int) or not 1 <= valid_days <= 366:
        abort(422, "'valid_days' must be a whole number from 1 to 366")
    session = get_session()
    unit = session.exec(select(Unit).where(Unit.code == str(unit_code))).first()
    if unit is None or not caller.can_see(unit):
        abort(404, f"no unit {unit_code!r} in your units")
    service = None
    if service_code is not None:
        service = session.exec(select(Service).where(Service.code == str(service_code))).first()
        if service is None:
            abort(404, f"no procedure with code {service_code!r}")
    if by_dossier(session, dossier_hash(dossier, unit.id)) is not None:  # this unit's own dossier only
        abort(409, "this dossier has been rated already")
    try:
        token = issue_receipt(session, unit=unit, service=service, dossier_code=dossier,
                              valid_days=valid_days)
    except UnitClosed as exc:
        abort(409, str(exc))
    session.commit()
    response = jsonify({"token": token, "url": receipt_url(token), "valid_days": valid_days})
    response.status_code = 201
    return response
