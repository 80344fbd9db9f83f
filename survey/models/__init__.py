"""Tables of Hài Lòng. The Alembic revisions in migrations/ are the truth; these mirror them.

One module per area; import from here (`from survey.models import Unit`). A new area's tables go in
a new module, imported below so that every table is on the one metadata before Alembic reads it.
"""

from survey.models.access import ApiKey, AuditEvent, User
from survey.models.base import (
    ANSWER_SLOTS,
    CURRENT_UNIT_KINDS,
    NAMING_CONVENTION,
    ROOT_UNIT_KINDS,
    Channel,
    Role,
    UnitKind,
    enum_check,
    utcnow,
)
from survey.models.hooks import Webhook, WebhookDelivery
from survey.models.improve import ImprovementAction
from survey.models.kiosk import HeldRating
from survey.models.notify import AlertRule, Notice
from survey.models.org import (
    Counter,
    Instrument,
    KioskDevice,
    Service,
    Unit,
    UnitService,
    new_short_code,
)
from survey.models.paper import PaperEntry
from survey.models.publish import PublicPage
from survey.models.records import Answer, Dossier, Response
from survey.models.tally import (
    COUNTED_FACTS,
    REQUEUE_TRIGGER,
    TALLY_QUEUES,
    Tally,
    TallyPending,
    TallyPendingDossier,
    TallyUnready,
    requeue_trigger_ddl,
    tally_trigger,
    tally_trigger_ddl,
)

__all__ = [
    "ANSWER_SLOTS", "COUNTED_FACTS", "CURRENT_UNIT_KINDS", "NAMING_CONVENTION", "REQUEUE_TRIGGER",
    "ROOT_UNIT_KINDS", "TALLY_QUEUES", "AlertRule", "Answer", "ApiKey", "AuditEvent", "Channel", "Counter",
    "Dossier",
    "HeldRating", "ImprovementAction", "Instrument", "KioskDevice", "Notice", "PaperEntry",
    "PublicPage", "Response", "Role", "Service", "Tally", "TallyPending", "TallyPendingDossier",
    "TallyUnready", "Unit", "UnitKind", "UnitService", "User", "Webhook", "WebhookDelivery", "enum_check",
    "new_short_code", "requeue_trigger_ddl", "tally_trigger", "tally_trigger_ddl", "utcnow",
]
