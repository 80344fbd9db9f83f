"""Administration at /admin/: units, counters, posters, kiosks, users, API keys, audit log, flags,
data retention, dossier import, paper forms, webhooks.

One blueprint; each module adds the pages of one subject to it.
"""

from survey.web.admin import (  # noqa: F401 - attach the pages
    alerts,
    apikeys,
    auditlog,
    counters,
    dossier_import,
    flags,
    kiosks,
    paper,
    posters,
    publish,
    retention,
    units,
    users,
    webhooks,
)
from survey.web.admin.blueprint import bp

__all__ = ["bp"]
