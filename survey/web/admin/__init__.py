"""Administration at /admin/: units, counters, posters, kiosks, users, API keys, audit log, flags,
dossier import, paper forms, webhooks.

One blueprint; each module adds the pages of one subject to it.
"""

from survey.web.admin import (  # noqa: F401 - attach the pages
    apikeys,
    auditlog,
    counters,
    dossier_import,
    flags,
    kiosks,
    paper,
    posters,
    units,
    users,
    webhooks,
)
from survey.web.admin.blueprint import bp

__all__ = ["bp"]
