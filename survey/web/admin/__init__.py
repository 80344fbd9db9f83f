"""Administration at /admin/: units, counters, posters, kiosks, users, API keys, audit log, flags,
data retention.

One blueprint; each module adds the pages of one subject to it.
"""

from survey.web.admin import (  # noqa: F401
    alerts,
    apikeys,
    auditlog,
    counters,
    flags,
    kiosks,
    posters,
    publish,
    retention,
    units,
    users,
)
from survey.web.admin.blueprint import bp

__all__ = ["bp"]
