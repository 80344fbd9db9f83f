"""The JSON API at /api/v1/ (see spec.py for the OpenAPI document and docs/api.md).

One blueprint, CSRF-exempt; each module adds the endpoints of one subject to it.
"""

from survey.web.api import dossiers, rates, receipts, responses, score_tables, spec  # noqa: F401 - attach the endpoints
from survey.web.api.blueprint import bp

__all__ = ["bp"]
