"""Dossier facts from the one-stop system: validated once, then created or updated by (unit, code).

The JSON API (`PUT /api/v1/dossiers/{code}`, `POST /api/v1/dossiers`) and the file import
(`flask import dossiers`, the admin upload) both read items with `read_facts` and write them with
`store_facts`, which writes at once but never commits. Writing the same facts twice changes nothing
(status "unchanged"); a change re-queues the dossier for the tally (the requeue trigger on dossier),
so QĐ 766 figures follow facts that change after a rating.
"""

import re
from collections.abc import Mapping
from dataclasses import dataclass, fields
from datetime import UTC, datetime, timedelta

from sqlmodel import Session, select

from survey.core.receipts import dossier_hash
from survey.models import Dossier, Service, Unit, utcnow
from survey.periods import LOCAL_OFFSET

#: A dossier code holds at least one letter or digit; 100 characters at most.
CODE = re.compile(r"[0-9A-Za-z]")
#: What became of a complaint.
OUTCOMES = ("pending", "upheld", "dismissed")
#: Texts that read as yes or no in an exported file (Vietnamese and English).
YES = frozenset({"1", "true", "yes", "y", "x", "có", "co", "đúng"})
NO = frozenset({"0", "false", "no", "n", "", "không", "khong", "sai"})
#: Earliest reception accepted, and how far ahead of this server's clock a return may be (clock skew).
EARLIEST = datetime(2000, 1, 1, tzinfo=UTC)
SKEW = timedelta(days=1)


class FactsError(ValueError):
    """An item cannot be stored; `status` says why in one word (invalid, not-found)."""

    def __init__(self, status: str, message: str):
        super().__init__(message)
        self.status = status


@dataclass(frozen=True)
class DossierFacts:
    """The facts of one dossier as the one-stop system states them."""

    code: str
    unit: str
    service: str | None
    received_at: datetime
    due_at: datetime | None = None
    returned_at: datetime | None = None
    late_reason: str | None = None
    complaint: bool = False
    complaint_outcome: str | None = None
    online: bool | None = None


#: The stored columns of the facts (all but the code, the unit and the service).
STORED = tuple(f.name for f in fields(DossierFacts) if f.name not in ("code", "unit", "service"))


def read_facts(code: object, item: Mapping, *, local_times: bool = False) -> DossierFacts:
    """Return the validated facts of one item, or raise FactsError("invalid", reason).

    Times are ISO 8601 with a time zone; with `local_times` (files exported by one-stop systems)
    a time without one is local time (UTC+7). Yes/no fields take booleans or yes/no texts.
    """
    if not isinstance(code, str) or not CODE.search(code) or len(code.strip()) > 100:
        raise FactsError("invalid", "the dossier code must be 1 to 100 characters, "
                                    "a letter or digit among them")
    unit, service = item.get("unit"), item.get("service")
    if not isinstance(unit, str) or not unit.strip():
        raise FactsError("invalid", "'unit' must be the code of the unit that received the dossier")
    if service is not None and (not isinstance(service, str) or not service.strip()):
        raise FactsError("invalid", "'service' must be a national procedure code or null")
    received = read_time(item, "received_at", local_times=local_times)
    if received is None:
        raise FactsError("invalid", "'received_at' (when the dossier was received) is required")
    if not EARLIEST <= received <= utcnow() + SKEW:
        raise FactsError("invalid", f"'received_at' {received.isoformat()} is not a plausible reception time")
    due, returned = (read_time(item, name, local_times=local_times) for name in ("due_at", "returned_at"))
    for name, value in (("due_at", due), ("returned_at", returned)):
        if value is not None and value < received:
            raise FactsError("invalid", f"'{name}' {value.isoformat()} is before 'received_at'")
    if returned is not None and returned > utcnow() + SKEW:
        raise FactsError("invalid", f"'returned_at' {returned.isoformat()} is in the future")
    complaint = read_flag(item, "complaint") or False
    outcome = item.get("complaint_outcome") or None
    if outcome is not None and (outcome not in OUTCOMES or not complaint):
        raise FactsError("invalid", f"'complaint_outcome' must be one of {', '.join(OUTCOMES)}, "
                                    "with 'complaint': true")
    late_reason = item.get("late_reason") or None
    if late_reason is not None and (not isinstance(late_reason, str) or len(late_reason) > 500):
        raise FactsError("invalid", "'late_reason' must be a text of 500 characters at most")
    return DossierFacts(code=code.strip(), unit=unit.strip(), service=service and service.strip(),
                        received_at=received, due_at=due, returned_at=returned, late_reason=late_reason,
                        complaint=complaint, complaint_outcome=outcome, online=read_flag(item, "online"))


def read_time(item: Mapping, name: str, *, local_times: bool) -> datetime | None:
    """Return a time field in UTC (None when absent), or raise FactsError."""
    value = item.get(name)
    if value is None or value == "":
        return None
    if isinstance(value, datetime):
        parsed = value
    else:
        try:
            parsed = datetime.fromisoformat(str(value).strip().replace("Z", "+00:00"))
        except ValueError:
            raise FactsError("invalid", f"'{name}' {value!r} is not an ISO 8601 time") from None
    if parsed.tzinfo is None:
        if not local_times:
            raise FactsError("invalid", f"'{name}' {value!r} needs a time zone, such as +07:00")
        parsed = parsed.replace(tzinfo=UTC) - LOCAL_OFFSET
    return parsed.astimezone(UTC)


def read_flag(item: Mapping, name: str) -> bool | None:
    """Return a yes/no field (None when absent), or raise FactsError."""
    value = item.get(name)
    if value is None or isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text in YES or text in NO:
        return text in YES if text else None
    raise FactsError("invalid", f"'{name}' must be true or false, got {value!r}")


def store_facts(session: Session, facts: DossierFacts, *, within: Unit) -> tuple[str, Dossier]:
    """Create or update a dossier of a unit in the subtree of `within`; return (status, dossier).

    Status "created", "updated" or "unchanged". Raises FactsError "not-found" (unit or procedure).
    Flushes, never commits.
    """
    unit = session.exec(select(Unit).where(Unit.code == facts.unit)).first()
    if unit is None or not unit.path.startswith(within.path):
        raise FactsError("not-found", f"no unit {facts.unit!r} in your units")
    service = None
    if facts.service is not None:
        service = session.exec(select(Service).where(Service.code == facts.service)).first()
        if service is None:
            raise FactsError("not-found", f"no procedure with code {facts.service!r}")
    # Codes are the one-stop system's per unit: the same code at another unit is another dossier.
    digest = dossier_hash(facts.code, unit.id)
    mine = select(Dossier).where(Dossier.unit_id == unit.id, Dossier.dossier_hash == digest)
    dossier = session.exec(mine).first()
    wanted = {name: getattr(facts, name) for name in STORED} | {"service_id": service and service.id}
    if dossier is None:
        dossier = Dossier(unit_id=unit.id, dossier_hash=digest, updated_at=utcnow(), **wanted)
        session.add(dossier)
        session.flush()
        return "created", dossier
    if all(same(getattr(dossier, name), value) for name, value in wanted.items()):
        return "unchanged", dossier
    for name, value in wanted.items():
        setattr(dossier, name, value)
    dossier.updated_at = utcnow()
    session.flush()
    return "updated", dossier


def same(stored: object, wanted: object) -> bool:
    """Tell whether a stored column already holds a value (times compared as instants)."""
    if isinstance(stored, datetime) and isinstance(wanted, datetime):
        return (stored if stored.tzinfo else stored.replace(tzinfo=UTC)) == wanted
    return stored == wanted
