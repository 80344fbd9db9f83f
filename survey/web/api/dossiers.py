"""PUT /api/v1/dossiers/{code} and POST /api/v1/dossiers: the one-stop system pushes dossier facts."""

from flask import abort, jsonify
from sqlmodel import Session

from survey.core.dossier_facts import FactsError, read_facts, store_facts
from survey.db import get_session
from survey.scores.tally import hold_folds
from survey.web.api.blueprint import Caller, authenticate, bp, json_body

#: Most dossiers one batch may carry.
MAX_BATCH = 500
#: HTTP status of each refusal of a single PUT.
STATUS = {"invalid": 422, "not-found": 404}


@bp.route("/dossiers/<code>", methods=["PUT"])
def put_dossier(code: str):
    """Create or update one dossier's facts; 201 when created, 200 when updated or unchanged."""
    caller = authenticate("dossiers:write")
    body = json_body()
    session = get_session()
    hold_folds(session.connection())
    try:
        status = store_item(session, caller, code, body)
    except FactsError as exc:
        abort(STATUS[exc.status], str(exc))
    session.commit()
    response = jsonify({"code": code.strip(), "status": status})
    response.status_code = 201 if status == "created" else 200
    return response


@bp.route("/dossiers", methods=["POST"])
def push_dossiers():
    """Create or update a batch of dossiers; answer with one result per item, in order."""
    caller = authenticate("dossiers:write")
    items = json_body().get("dossiers")
    if not isinstance(items, list) or not 1 <= len(items) <= MAX_BATCH:
        abort(422, f"'dossiers' must be a list of 1 to {MAX_BATCH} items")
    session = get_session()
    hold_folds(session.connection())
    results = []
    for item in items:
        code = item.get("code") if isinstance(item, dict) else None
        try:
            if not isinstance(item, dict):
                raise FactsError("invalid", "each item must be a JSON object")
            results.append({"code": code, "status": store_item(session, caller, code, item), "message": None})
        except FactsError as exc:
            results.append({"code": code if isinstance(code, str) else None, "status": exc.status,
                            "message": str(exc)})
    session.commit()
    return jsonify({"results": results})


def store_item(session: Session, caller: Caller, code: object, item: dict) -> str:
    """Validate and store one dossier's facts inside the caller's units; return the status."""
    return store_facts(session, read_facts(code, item), within=caller.unit)[0]
