"""GET /api/v1/scores: scores of a unit scope and period (survey.scores does the work)."""

from flask import abort, jsonify, request
from sqlmodel import select

from survey import scores
from survey.db import get_session, read_from_replica
from survey.models import Channel, Unit
from survey.periods import PeriodError
from survey.web.api.blueprint import authenticate, bp

FLAGS = {"true": True, "1": True, "false": False, "0": False}


@bp.route("/scores")
def read_scores():
    """Return the scores of a unit's subtree (its children, itself or all units) for a period."""
    read_from_replica()
    caller = authenticate("scores:read")
    session = get_session()
    code = request.args.get("unit") or caller.unit.code
    unit = session.exec(select(Unit).where(Unit.code == code)).first()
    if unit is None or not caller.can_see(unit):
        abort(404, f"no unit {code!r} in your units")
    level = request.args.get("level", "children")
    if level not in scores.LEVELS:
        abort(422, f"'level' must be one of {', '.join(scores.LEVELS)}")
    channel = request.args.get("channel") or None
    if channel is not None and channel not in {c.value for c in Channel}:
        abort(422, f"'channel' must be one of {', '.join(c.value for c in Channel)}")
    include_flagged = FLAGS.get(request.args.get("include_flagged", "true").lower())
    if include_flagged is None:
        abort(422, "'include_flagged' must be true or false")
    try:
        table = scores.cached_score_scope(
            session,
            unit=unit,
            period=request.args.get("period"),
            level=level,
            service=request.args.get("service") or None,
            channel=channel,
            include_flagged=include_flagged,
        )
    except PeriodError as exc:
        abort(422, str(exc))
    except scores.UnknownService as exc:
        abort(404, str(exc))
    return jsonify(table.to_dict())
