"""GET /api/v1/response-rates: the QĐ 766 ratio and the response rates of a unit scope and period."""

from flask import abort, jsonify, request
from sqlmodel import select

from survey import scores
from survey.db import get_session
from survey.models import Unit
from survey.periods import PeriodError
from survey.web.api.blueprint import authenticate, bp


@bp.route("/response-rates")
def read_response_rates():
    """Return QĐ 766 and ratings ÷ dossiers received and returned: overall, per month, procedure, unit."""
    caller = authenticate("scores:read")
    session = get_session()
    code = request.args.get("unit") or caller.unit.code
    unit = session.exec(select(Unit).where(Unit.code == code)).first()
    if unit is None or not caller.can_see(unit):
        abort(404, f"no unit {code!r} in your units")
    service = request.args.get("service") or None
    try:
        filters = scores.make_filters(session, request.args.get("period"), service=service)
    except PeriodError as exc:
        abort(422, str(exc))
    except scores.UnknownService as exc:
        abort(404, str(exc))
    period = filters.period
    if period is None:  # make_filters always gives one; the check keeps the types honest
        abort(422, "'period' is required")
    units = scores.subtree_units(session, unit)
    key = ("response-rates", unit.id, filters, scores.data_version(session))
    dossiers, rates = scores.cached(key, lambda: (scores.dossiers(session, units, filters),
                                                  scores.response_rates(session, unit, units, filters)))
    return jsonify({
        "unit": {"code": unit.code, "name": unit.name, "kind": unit.kind},
        "period": {"key": period.key, "kind": period.kind, "first": period.first.isoformat(),
                   "last": period.last.isoformat()},
        "filters": {"service": service},
        # None means no dossier facts were received for the period: not 100%.
        "qd766": dossiers["qd766"],
        "dossier_data": bool(dossiers["qd766"]),
        "facts": dossiers["facts"],
        "response_rates": rates,
    })
