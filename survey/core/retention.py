"""Data retention: blank free-text comments and per-response technical fields older than their settings.

Only columns no score reads are blanked (comment; client_hash and fill_seconds): the answer masks,
the answers and the tally stay as they are, so every score stays exactly the same. Rows are
changed in batches of ids, one commit per batch, so a long purge never holds a long lock.
"""

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy import Engine, func, or_, select, update
from sqlmodel import Session

from survey.core import audit
from survey.db import writing
from survey.models import Response
from survey.periods import LOCAL_OFFSET, month_end

#: What each kind of purge blanks, and the condition of a row that still holds it.
FIELDS = {
    "comments": ({"comment": None}, Response.comment.is_not(None)),
    "technical": ({"client_hash": None, "fill_seconds": None},
                  or_(Response.client_hash.is_not(None), Response.fill_seconds.is_not(None))),
}
SETTINGS = {"comments": "RETENTION_COMMENT_MONTHS", "technical": "RETENTION_TECHNICAL_MONTHS"}


@dataclass(frozen=True)
class PurgeResult:
    """How many responses each kind of purge blanked, with the cut-offs used (None: kept for ever)."""

    cutoffs: dict[str, datetime | None]
    blanked: dict[str, int]


def months_before(day: date, months: int) -> date:
    """Return the same day `months` calendar months earlier (the month's last day when shorter)."""
    year, month = divmod(day.year * 12 + day.month - 1 - months, 12)
    return min(day.replace(year=year, month=month + 1, day=1) + timedelta(days=day.day - 1),
               month_end(year, month + 1))


def cutoffs(config, now: datetime) -> dict[str, datetime | None]:
    """Return the UTC instant before which each kind is blanked: local midnight, `months` ago."""
    today = (now.astimezone(UTC) + LOCAL_OFFSET).date()
    found: dict[str, datetime | None] = {}
    for kind, setting in SETTINGS.items():
        months = int(config[setting])
        found[kind] = None if months <= 0 else (
            datetime.combine(months_before(today, months), time.min, UTC) - LOCAL_OFFSET)
    return found


def pending(session: Session, limits: dict[str, datetime | None]) -> dict[str, int]:
    """Count the responses each kind of purge would blank now."""
    counts = {}
    for kind, (_, holds) in FIELDS.items():
        cutoff = limits[kind]
        counts[kind] = 0 if cutoff is None else int(session.connection().execute(
            select(func.count()).select_from(Response).where(Response.submitted_at < cutoff, holds)).scalar())
    return counts


def purge(engine: Engine, config, *, now: datetime | None = None, batch: int | None = None) -> PurgeResult:
    """Blank old comments and technical fields in batches, then audit what was done; return the counts."""
    now = now or datetime.now(UTC)
    batch = batch or int(config["RETENTION_BATCH"])
    limits = cutoffs(config, now)
    blanked = dict.fromkeys(FIELDS, 0)
    for kind, (values, holds) in FIELDS.items():
        if limits[kind] is None:
            continue
        while True:
            with writing(), Session(engine) as session:
                ids = session.connection().execute(
                    select(Response.id).where(Response.submitted_at < limits[kind], holds)
                    .order_by(Response.id).limit(batch)).scalars().all()
                if not ids:
                    break
                session.connection().execute(update(Response).where(Response.id.in_(ids)).values(**values))
                session.commit()
            blanked[kind] += len(ids)
    with writing(), Session(engine) as session:
        audit.record(session, None, "purge", "response", None, {
            **{f"{kind}_before": limit.isoformat() if limit else None for kind, limit in limits.items()},
            **{f"{kind}_blanked": count for kind, count in blanked.items()},
        })
        session.commit()
    return PurgeResult(limits, blanked)
