"""Tables of Hài Lòng. The Alembic revisions in migrations/ are the truth; these mirror them.

One module per area; import from here (`from survey.models import Unit`). A new area's tables go in
a new module, imported below so that every table is on the one metadata before Alembic reads it.
"""

from survey.models.access import ApiKey, AuditEvent, User
from survey.models.base import (
    ANSWER_SLOTS,
    NAMING_CONVENTION,
    Channel,
    Role,
    UnitKind,
    enum_check,
    utcnow,
)
from survey.models.improve import ImprovementAction
from survey.models.notify import AlertRule, Notice
from survey.models.org import Counter, Instrument, KioskDevice, Service, Unit, UnitService
from survey.models.publish import PublicPage
from survey.models.records import Answer, Dossier, Response
from survey.models.tally import (
    TALLY_QUEUES,
    Tally,
    TallyPending,
    TallyPendingDossier,
    tally_trigger,
    tally_trigger_ddl,
)

__all__ = [
    "ANSWER_SLOTS", "NAMING_CONVENTION", "TALLY_QUEUES", "AlertRule", "Answer", "ApiKey", "AuditEvent",
    "Channel", "Counter", "Dossier", "ImprovementAction", "Instrument", "KioskDevice", "Notice", "PublicPage",
    "Response", "Role", "Service", "Tally", "TallyPending", "TallyPendingDossier", "Unit", "UnitKind",
    "UnitService", "User", "enum_check", "tally_trigger", "tally_trigger_ddl", "utcnow",
]
