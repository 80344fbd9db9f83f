"""Administration at /admin/: units, counters, posters, kiosks, users, API keys, audit log, flags.

One blueprint; each module adds the pages of one subject to it.
"""

from survey.web.admin import apikeys, auditlog, counters, flags, kiosks, posters, units, users  # noqa: F401
from survey.web.admin.blueprint import bp

__all__ = ["bp"]
