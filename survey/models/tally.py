"""The tally's stored sums and the queues that feed it."""


from datetime import datetime

from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    Index,
    Integer,
    LargeBinary,
    UniqueConstraint,
    event,
    false,
    text,
)
from sqlalchemy.schema import DDL
from sqlmodel import Field, SQLModel


class Tally(SQLModel, table=True):
    """Additive sums of the responses of one group (see survey.scores.tally), updated by addition.

    Grain "counter" groups by unit, counter, local month, channel and flag; grain "service" by
    unit, service, local month and flag (channel ""); grain "unit", the sum of a unit's counter
    groups, by unit, local month and flag (part 0, channel ""). Each holds every response once. Grain
    "dossier" holds the QĐ 766 facts of dossiers by unit, service and local month of reception
    (instrument 0, channel "", flag false).
    """

    __table_args__ = (UniqueConstraint("grain", "instrument_id", "unit_id", "part_id", "month", "channel",
                                       "suspicious"),
                      # A page reads the groups of its units and months only (survey.scores.tally.cells);
                      # the part is checked in the index when a page asks for one counter or service.
                      Index("ix_tally_grain_unit_id_month", "grain", "unit_id", "month", "part_id"))
    id: int | None = Field(default=None, primary_key=True)
    grain: str = Field(max_length=8)
    #: The instrument version (0 for grain "dossier").
    instrument_id: int
    unit_id: int = Field(foreign_key="unit.id")
    #: The counter (grain "counter") or the service (grains "service", "dossier"); 0 where there was none.
    part_id: int = 0
    #: Local (UTC+7) month "YYYY-MM" of submission.
    month: str = Field(max_length=7)
    channel: str = Field(max_length=16)
    suspicious: bool
    #: Little-endian sums in the layout of the instrument version (survey.scores.tally.Layout), as
    #: uint8, uint16 or int32: the narrowest that holds the row's largest (tally.layout.encode).
    sums: bytes = Field(sa_column=Column(LargeBinary, nullable=False))
    #: The fold that last changed the row: readers reload only rows newer than what they hold.
    generation: int = Field(index=True)


class TallyUnready(SQLModel, table=True):
    """Derived grains whose stored rows do not yet agree with the grains they are summed from.

    Grain "unit" is the sum of the counter groups per unit, local month and flag. A database
    that held counter groups before the grain existed is marked here until `flask tally --derive`
    (or `--rebuild`) builds its rows; until then pages read the counter grain. Folds keep a grain
    that is not marked exact in the same transaction as the others.
    """

    __tablename__ = "tally_unready"
    grain: str = Field(max_length=8, primary_key=True)


class TallyPending(SQLModel, table=True):
    """Responses not added to the tally yet: a trigger on response adds every new row here."""

    __tablename__ = "tally_pending"
    response_id: int = Field(sa_column=Column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True))


class TallyPendingDossier(SQLModel, table=True):
    """Dossiers whose facts the tally does not hold yet: triggers on dossier add new and changed rows.

    A new dossier waits with `counted` false. A dossier whose facts change after the tally counted
    them waits with `counted` true and the facts as counted (`old_…`, from the first change), so a
    fold takes those away and adds the new ones.
    """

    __tablename__ = "tally_pending_dossier"
    dossier_id: int = Field(primary_key=True)
    #: The tally holds this dossier with the old_… facts (a change after counting).
    counted: bool = Field(default=False, sa_column=Column(Boolean, nullable=False, server_default=false()))
    #: Changes since it joined the queue: readers holding its sums see that they are stale.
    revision: int = Field(default=0, sa_column=Column(Integer, nullable=False, server_default=text("0")))
    old_unit_id: int | None = None
    old_service_id: int | None = None
    old_received_at: datetime | None = None
    old_due_at: datetime | None = None
    old_returned_at: datetime | None = None
    old_complaint: bool | None = None


#: Every inserted response and dossier, whoever writes it (the app, bulk loads, an operator's SQL),
#: waits in a queue until survey.scores.tally folds it in: table → (queue table, queue column).
TALLY_QUEUES = {"response": ("tally_pending", "response_id"),
                "dossier": ("tally_pending_dossier", "dossier_id")}


def tally_trigger(table: str) -> str:
    """Return the name of the trigger (and PostgreSQL function) that queues a table's new rows."""
    return f"{table}_tally_pending"


def tally_trigger_ddl(table: str, dialect: str) -> list[str]:
    """Return the statements creating the trigger that queues a table's new rows.

    The Alembic revision creates the same.
    """
    queue, column = TALLY_QUEUES[table]
    name, insert = tally_trigger(table), f"INSERT INTO {queue} ({column}) VALUES (NEW.id)"
    if dialect == "sqlite":
        return [f"CREATE TRIGGER IF NOT EXISTS {name} AFTER INSERT ON {table} BEGIN {insert}; END"]
    return [f"CREATE OR REPLACE FUNCTION {name}() RETURNS trigger LANGUAGE plpgsql "
            f"AS $$ BEGIN {insert}; RETURN NULL; END $$",
            f"CREATE OR REPLACE TRIGGER {name} AFTER INSERT ON {table} "
            f"FOR EACH ROW EXECUTE FUNCTION {name}()"]


#: The dossier facts the tally counts: changing any of them queues the dossier again.
COUNTED_FACTS = ("unit_id", "service_id", "received_at", "due_at", "returned_at", "complaint")
#: The trigger (and PostgreSQL function) that queues a dossier whose counted facts change.
REQUEUE_TRIGGER = "dossier_tally_requeue"


def requeue_trigger_ddl(dialect: str) -> list[str]:
    """Return the statements creating the trigger that queues changed dossiers with their counted facts.

    Only the first change after a fold records the old facts (those the tally holds); every change
    raises the queued row's revision. The Alembic revision creates the same.
    """
    columns = ", ".join(f"old_{fact}" for fact in COUNTED_FACTS)
    values = ", ".join(f"OLD.{fact}" for fact in COUNTED_FACTS)
    insert = (f"INSERT INTO tally_pending_dossier (dossier_id, counted, revision, {columns}) "
              f"VALUES (OLD.id, {'1' if dialect == 'sqlite' else 'true'}, 0, {values})")
    bump = "UPDATE tally_pending_dossier SET revision = revision + 1 WHERE dossier_id = OLD.id"
    of = ", ".join(COUNTED_FACTS)
    if dialect == "sqlite":
        return [f"CREATE TRIGGER IF NOT EXISTS {REQUEUE_TRIGGER} AFTER UPDATE OF {of} ON dossier "
                f"BEGIN {insert.replace('INSERT', 'INSERT OR IGNORE', 1)}; {bump}; END"]
    return [f"CREATE OR REPLACE FUNCTION {REQUEUE_TRIGGER}() RETURNS trigger LANGUAGE plpgsql "
            f"AS $$ BEGIN {insert} ON CONFLICT (dossier_id) DO NOTHING; {bump}; RETURN NULL; END $$",
            f"CREATE OR REPLACE TRIGGER {REQUEUE_TRIGGER} AFTER UPDATE OF {of} ON dossier "
            f"FOR EACH ROW EXECUTE FUNCTION {REQUEUE_TRIGGER}()"]


for _dialect in ("sqlite", "postgresql"):
    _statements = [*(s for table in TALLY_QUEUES for s in tally_trigger_ddl(table, _dialect)),
                   *requeue_trigger_ddl(_dialect)]
    for _statement in _statements:
        event.listen(SQLModel.metadata, "after_create", DDL(_statement).execute_if(dialect=_dialect))
