"""The OpenAPI 3 document of /api/v1/, written by hand, served at /api/v1/openapi.json."""

from flask import jsonify, request

from survey.web.api.blueprint import bp

ERROR = {"$ref": "#/components/schemas/Error"}


def error_responses(*codes: int) -> dict:
    """Return the documented error answers for these status codes."""
    meaning = {
        400: "The body is not a JSON object (or not sent as application/json), is nested more than 32 "
             "levels deep, or the request carries NUL characters or lone surrogates.",
        401: "Missing, unknown or revoked credentials.",
        403: "The credential lacks the scope this call needs.",
        404: "No such unit, procedure or endpoint inside the caller's units.",
        409: "This unit's dossier was rated already, or the unit is deactivated.",
        405: "The endpoint does not take this method (see the Allow header).",
        422: "The JSON is well formed but its values are not acceptable.",
        429: "Too many requests; slow down and retry later.",
    }
    return {str(code): {"description": meaning[code], "content": {"application/json": {"schema": ERROR}}}
            for code in codes}


ITEM = {
    "type": "object",
    "required": ["id"],
    "properties": {
        "id": {"type": "string", "format": "uuid",
               "description": "Client-made UUID; the same id twice is one response."},
        "unit": {"type": "string", "description": "Unit code (integrators; or give counter)."},
        "counter": {"type": "integer", "minimum": 1,
                    "description": "Counter id (`flask counters --format json`)."},
        "instrument": {"type": "string", "description": "Questionnaire code; default the counter's."},
        "channel": {"type": "string", "enum": ["paper", "kiosk"], "default": "paper"},
        "answers": {
            "type": "object",
            "description": "Item code → value (a level, 0 for no opinion, null; "
                           "a list of options for multi items).",
            "additionalProperties": {"oneOf": [{"type": "integer"}, {"type": "null"},
                                               {"type": "array", "items": {"type": "integer"}}]},
        },
        "rating": {"type": "integer", "description": "Kiosk only: the quick three-level rating (3, 2, 1)."},
        "reasons": {"type": "array", "items": {"type": "integer"},
                    "description": "Kiosk only: reasons when not satisfied."},
        "answered_at": {"type": "string", "format": "date-time",
                        "description": "When it was answered (time zone required)."},
        "service": {"type": "string", "description": "National procedure code."},
        "language": {"type": "string", "enum": ["vi", "en"], "default": "vi"},
        "comment": {"type": "string", "maxLength": 2000},
        "facts": {"type": "object", "additionalProperties": {"type": "string", "maxLength": 16}},
    },
}

RESULT = {
    "type": "object",
    "required": ["id", "status", "response_id", "message"],
    "properties": {
        "id": {"type": ["string", "null"]},
        "status": {"type": "string",
                   "enum": ["created", "duplicate", "invalid", "not-found", "forbidden", "conflict"],
                   "description": "created: stored. duplicate: this id was stored before; nothing written. "
                                  "invalid: the item itself is malformed (an id that is no UUID, answers "
                                  "or times the instrument does not allow); it is not stored, and sending "
                                  "it again changes nothing until it is corrected. not-found: no such unit, "
                                  "counter or procedure in the caller's units. forbidden: a kiosk naming "
                                  "another counter, or a deactivated counter or unit. conflict: the dossier "
                                  "was rated already."},
        "response_id": {"type": ["integer", "null"]},
        "message": {"type": ["string", "null"]},
    },
}

QUERY = [
    {"name": "unit", "in": "query", "schema": {"type": "string"},
     "description": "Unit code; default the key's unit."},
    {"name": "period", "in": "query", "schema": {"type": "string"},
     "description": "2026, 2026-Q3, 2026-07 or 2026-07-01..2026-09-30; default the last 12 months."},
    {"name": "level", "in": "query",
     "schema": {"type": "string", "enum": ["children", "self", "all"], "default": "children"}},
    {"name": "service", "in": "query", "schema": {"type": "string"},
     "description": "National procedure code."},
    {"name": "channel", "in": "query",
     "schema": {"type": "string", "enum": ["counter-qr", "receipt", "kiosk", "paper"]}},
    {"name": "include_flagged", "in": "query", "schema": {"type": "boolean", "default": True},
     "description": "Count responses flagged as possibly stuffed (true) or leave them out."},
]

SCORE_TABLE = {
    "type": "object",
    "required": ["unit", "period", "level", "filters", "settings", "scope", "rows"],
    "properties": {
        "unit": {"type": "object"},
        "period": {"type": "object"},
        "level": {"type": "string"},
        "filters": {"type": "object"},
        "settings": {"type": "object"},
        "scope": {"type": "object", "description": "The scope unit's own score: n, index with interval, "
                                                   "factors, items, verdict."},
        "rows": {"type": "array", "items": {"type": "object"}},
    },
}

FACTS = {
    "unit": {"type": "string", "minLength": 1, "description": "Code of the unit that received the dossier."},
    "service": {"type": ["string", "null"], "description": "National procedure code."},
    "received_at": {"type": "string", "format": "date-time",
                    "description": "When it was received (time zone required)."},
    "due_at": {"type": ["string", "null"], "format": "date-time", "description": "When the result is due."},
    "returned_at": {"type": ["string", "null"], "format": "date-time",
                    "description": "When the result was returned; null while in progress."},
    "late_reason": {"type": ["string", "null"], "maxLength": 500},
    "complaint": {"type": "boolean", "default": False,
                  "description": "A complaint or feedback about the dossier was recorded (QĐ 766)."},
    "complaint_outcome": {"type": ["string", "null"], "enum": ["pending", "upheld", "dismissed", None]},
    "online": {"type": ["boolean", "null"], "description": "Submitted online (dịch vụ công trực tuyến)."},
}
DOSSIER_CODE = {"type": "string", "minLength": 1, "maxLength": 100, "pattern": "[0-9A-Za-z]",
                "description": "Dossier code; only its keyed hash is stored."}
DOSSIER_STATUS = {"type": "string", "enum": ["created", "updated", "unchanged"]}

RATE = {"type": "object", "required": ["ratings", "received", "returned", "per_received", "per_returned"],
        "properties": {"ratings": {"type": "integer"}, "received": {"type": "integer"},
                       "returned": {"type": "integer"}, "per_received": {"type": ["number", "null"]},
                       "per_returned": {"type": ["number", "null"]}}}
RATES = {
    "type": "object",
    "required": ["unit", "period", "qd766", "dossier_data", "facts", "response_rates"],
    "properties": {
        "unit": {"type": "object"}, "period": {"type": "object"}, "filters": {"type": "object"},
        "qd766": {"type": ["object", "null"], "description": "dossiers, bad, ratio; null when no dossier "
                                                             "facts were received for the period."},
        "dossier_data": {"type": "boolean"},
        "facts": {"type": "object"},
        "response_rates": {"type": "object", "required": ["scope", "months", "services", "units"],
                           "properties": {"scope": RATE,
                                          "months": {"type": "array", "items": RATE},
                                          "services": {"type": "array", "items": RATE},
                                          "units": {"type": "array", "items": RATE}}},
    },
}

PATHS = {
    "/scores": {
        "get": {
            "operationId": "readScores",
            "summary": "Scores of a unit scope for a period, with intervals and verdicts",
            "security": [{"bearer": []}],
            "parameters": QUERY,
            "responses": {
                "200": {"description": "The scope's score and one row per unit.",
                        "content": {"application/json": {"schema": SCORE_TABLE}}},
                **error_responses(400, 401, 403, 404, 422, 429),
            },
        }
    },
    "/response-rates": {
        "get": {
            "operationId": "readResponseRates",
            "summary": "QĐ 766 ratio and ratings ÷ dossiers received and returned, of a unit scope",
            "security": [{"bearer": []}],
            "parameters": [QUERY[0], QUERY[1], QUERY[3]],
            "responses": {
                "200": {"description": "The scope's QĐ 766 ratio (null: no dossier data) and its rates.",
                        "content": {"application/json": {"schema": RATES}}},
                **error_responses(401, 403, 404, 422, 429),
            },
        }
    },
    "/responses": {
        "post": {
            "operationId": "submitResponses",
            "summary": "Submit responses (kiosk sync, paper data entry), idempotent per item id",
            "security": [{"bearer": []}, {"kiosk": []}],
            "requestBody": {
                "required": True,
                "content": {"application/json": {"schema": {
                    "type": "object",
                    "required": ["responses"],
                    "properties": {
                        "responses": {"type": "array", "minItems": 1, "maxItems": 500, "items": ITEM},
                    },
                }}},
            },
            "responses": {
                "200": {
                    "description": "One result per item, in the order sent.",
                    "content": {"application/json": {"schema": {
                        "type": "object", "required": ["results"],
                        "properties": {"results": {"type": "array", "items": RESULT}},
                    }}},
                },
                **error_responses(400, 401, 403, 422, 429),
            },
        }
    },
    "/dossiers/{code}": {
        "put": {
            "operationId": "putDossier",
            "summary": "Create or update one dossier's facts (idempotent; a change re-counts QĐ 766)",
            "security": [{"bearer": []}],
            "parameters": [{"name": "code", "in": "path", "required": True, "schema": DOSSIER_CODE}],
            "requestBody": {
                "required": True,
                "content": {"application/json": {"schema": {
                    "type": "object", "required": ["unit", "received_at"], "properties": FACTS,
                }}},
            },
            "responses": {
                **{str(code): {
                    "description": meaning,
                    "content": {"application/json": {"schema": {
                        "type": "object", "required": ["code", "status"],
                        "properties": {"code": {"type": "string"}, "status": DOSSIER_STATUS},
                    }}},
                } for code, meaning in ((201, "The dossier was created."),
                                        (200, "The dossier was updated, or already had these facts."))},
                **error_responses(400, 401, 403, 404, 409, 422, 429),
            },
        }
    },
    "/dossiers": {
        "post": {
            "operationId": "pushDossiers",
            "summary": "Create or update the facts of up to 500 dossiers, one result per item",
            "security": [{"bearer": []}],
            "requestBody": {
                "required": True,
                "content": {"application/json": {"schema": {
                    "type": "object", "required": ["dossiers"],
                    "properties": {"dossiers": {"type": "array", "minItems": 1, "maxItems": 500, "items": {
                        "type": "object", "required": ["code", "unit", "received_at"],
                        "properties": {"code": DOSSIER_CODE, **FACTS},
                    }}},
                }}},
            },
            "responses": {
                "200": {
                    "description": "One result per item, in the order sent; refused items change nothing.",
                    "content": {"application/json": {"schema": {
                        "type": "object", "required": ["results"],
                        "properties": {"results": {"type": "array", "items": {
                            "type": "object", "required": ["code", "status", "message"],
                            "properties": {
                                "code": {"type": ["string", "null"]},
                                "status": {"type": "string", "enum": ["created", "updated", "unchanged",
                                                                      "invalid", "not-found"]},
                                "message": {"type": ["string", "null"]},
                            },
                        }}},
                    }}},
                },
                **error_responses(400, 401, 403, 422, 429),
            },
        }
    },
    "/receipts": {
        "post": {
            "operationId": "createReceipt",
            "summary": "Issue a receipt token for a dossier (QR code on the receipt slip)",
            "security": [{"bearer": []}],
            "requestBody": {
                "required": True,
                "content": {"application/json": {"schema": {
                    "type": "object",
                    "required": ["unit", "dossier"],
                    "properties": {
                        "unit": {"type": "string", "description": "Unit code."},
                        "service": {"type": ["string", "null"], "description": "National procedure code."},
                        "dossier": {"type": "string", "minLength": 1, "maxLength": 100,
                                    "pattern": "[0-9A-Za-z]",
                                    "description": "Dossier code; only its keyed hash is stored."},
                        "valid_days": {"type": "integer", "minimum": 1, "maximum": 366, "default": 30},
                    },
                }}},
            },
            "responses": {
                "201": {
                    "description": "The token and the survey URL to print as a QR code.",
                    "content": {"application/json": {"schema": {
                        "type": "object", "required": ["token", "url", "valid_days"],
                        "properties": {"token": {"type": "string"}, "url": {"type": "string"},
                                       "valid_days": {"type": "integer"}},
                    }}},
                },
                **error_responses(400, 401, 403, 404, 409, 422, 429),
            },
        }
    },
}


def document() -> dict:
    """Return the OpenAPI document for this server."""
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "Hài Lòng API",
            "version": "1.0.0",
            "description": "Receipt tokens, dossier facts, response submission and scores. Errors are "
            "`{\"error\": {\"status\", \"message\"}}`.",
        },
        "servers": [{"url": request.host_url.rstrip("/") + (bp.url_prefix or "")}],
        "paths": PATHS,
        "components": {
            "securitySchemes": {
                "bearer": {"type": "http", "scheme": "bearer",
                           "description": "An integrator key (hl_…) or a kiosk credential."},
                "kiosk": {"type": "apiKey", "in": "cookie", "name": "kiosk",
                          "description": "Set on an enrolled kiosk tablet."},
            },
            "schemas": {
                "Error": {
                    "type": "object",
                    "required": ["error"],
                    "properties": {"error": {
                        "type": "object", "required": ["status", "message"],
                        "properties": {"status": {"type": "integer"}, "message": {"type": "string"}},
                    }},
                }
            },
        },
    }


@bp.route("/openapi.json")
def openapi():
    """Serve the OpenAPI document."""
    return jsonify(document())
