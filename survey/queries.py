"""SQL that counts: additive statistics per unit, period, service, channel and counter.

Every function runs one GROUP BY (SQLAlchemy Core, the same on SQLite and PostgreSQL) over
the responses of a unit subtree and returns a small DataFrame of sums. No function returns
answers of individual respondents except `recent_comments` (comments are shown, not scored).
Rolling leaf units up to their ancestors happens in pandas, by addition (see survey.scores).
"""

import io
from collections.abc import Sequence
from dataclasses import dataclass, replace

import pandas as pd
from sqlalchemy import Connection, and_, case, func, literal_column, or_, select
from sqlmodel import Session

from survey.models import Answer, Counter, Dossier, Instrument, Response, Unit
from survey.periods import LOCAL_OFFSET, Period

#: Grouping columns a pattern histogram may be split by (besides the two masks).
GROUPS = ("unit_id", "month", "counter_id", "service_id", "channel", "suspicious")


@dataclass(frozen=True)
class Filters:
    """Which responses count: a period, optionally one service, channel or counter, flagged or not."""

    #: Local calendar period; None counts every response (the whole history).
    period: Period | None
    service_id: int | None = None
    channel: str | None = None
    counter_id: int | None = None
    #: Only the unit's own responses (not its sub-units'), e.g. for its counters.
    unit_id: int | None = None
    #: Flagged (suspicious) responses are kept and counted unless this is False.
    include_flagged: bool = True
    #: Only responses with after_id < id <= upto_id (incremental updates of cached counts).
    after_id: int = 0
    upto_id: int | None = None

    def but(self, **changes) -> "Filters":
        """Return a copy with some fields changed."""
        return replace(self, **changes)


def connection_of(session: Session | Connection) -> Connection:
    """Return the connection of a session (or the connection itself)."""
    return session if isinstance(session, Connection) else session.connection()


def run(session: Session | Connection, statement) -> pd.DataFrame:
    """Execute a Core statement on the session's connection; return the rows as a DataFrame."""
    result = connection_of(session).execute(statement)
    columns = list(result.keys())
    # Plain tuples: building a DataFrame from Row objects is ten times slower.
    return pd.DataFrame([tuple(row) for row in result.all()], columns=columns)


def dialect(session: Session | Connection) -> str:
    """Return the database dialect name of a session or connection."""
    return session.dialect.name if isinstance(session, Connection) else session.get_bind().dialect.name


def local_month(session: Session, column=Response.submitted_at):
    """Return a SQL expression for the local (UTC+7) month "YYYY-MM" of a UTC time column."""
    return local_text(session, column, sqlite_format="%Y-%m", postgres_format="YYYY-MM")


def local_date(session: Session, column):
    """Return a SQL expression for the local calendar day "YYYY-MM-DD" of a UTC time column."""
    return local_text(session, column, sqlite_format="%Y-%m-%d", postgres_format="YYYY-MM-DD")


def local_text(session: Session, column, *, sqlite_format: str, postgres_format: str):
    """Format a UTC time column in the province's local time (periods.LOCAL_OFFSET)."""
    hours = int(LOCAL_OFFSET.total_seconds() // 3600)
    if dialect(session) == "sqlite":
        return func.strftime(sqlite_format, column, f"{hours:+d} hours")
    return func.to_char(func.timezone("UTC", column) + literal_column(f"interval '{hours} hours'"), postgres_format)


def subtree_ids(session: Session, path: str) -> list[int] | None:
    """Return the ids of the units whose path starts with `path` (None for "/": every unit).

    The ids are sent as a literal list: with a subquery SQLite's planner scans every response
    instead of using the (unit_id, submitted_at) index.
    """
    if path == "/":
        return None
    rows = session.connection().execute(select(Unit.id).where(Unit.path.startswith(path, autoescape=True)))
    return [row[0] for row in rows]


def in_units(column, ids: list[int] | None) -> list:
    """Return the conditions keeping rows of these units (none for every unit)."""
    return [] if ids is None else [column.in_(ids)]


def instrument_ids(session: Session, code: str) -> list[int]:
    """Return the ids of every stored version of an instrument."""
    rows = session.connection().execute(select(Instrument.id).where(Instrument.code == code))
    return [row[0] for row in rows]


def response_conditions(session: Session, path: str, filters: Filters, instruments: Sequence[int] | None) -> list:
    """Return the WHERE conditions shared by every response query (instruments None: all of them)."""
    units = [filters.unit_id] if filters.unit_id is not None else subtree_ids(session, path)
    conditions = in_units(Response.unit_id, units)
    if instruments is not None:
        conditions.append(Response.instrument_id.in_(list(instruments)))
    if filters.period is not None:
        conditions += [Response.submitted_at >= filters.period.start_utc, Response.submitted_at < filters.period.end_utc]
    if filters.after_id:
        conditions.append(Response.id > filters.after_id)
    if filters.upto_id is not None:
        conditions.append(Response.id <= filters.upto_id)
    if filters.service_id is not None:
        conditions.append(Response.service_id == filters.service_id)
    if filters.channel:
        conditions.append(Response.channel == filters.channel)
    if filters.counter_id is not None:
        conditions.append(Response.counter_id == filters.counter_id)
    if not filters.include_flagged:
        conditions.append(Response.suspicious.is_(False))
    return conditions


def group_columns(session: Session, by: Sequence[str]) -> list:
    """Return the labelled SQL columns for the grouping names in `by`."""
    unknown = [name for name in by if name not in GROUPS]
    if unknown:
        raise ValueError(f"cannot group by {unknown[0]!r}; choose from {GROUPS}")
    columns = {
        "unit_id": Response.unit_id,
        "counter_id": Response.counter_id,
        "service_id": Response.service_id,
        "channel": Response.channel,
        "suspicious": Response.suspicious,
    }
    return [local_month(session).label("month") if name == "month" else columns[name].label(name) for name in by]


def pattern_histogram(
    session: Session, *, path: str, filters: Filters, instruments: Sequence[int], by: Sequence[str] = ("unit_id",)
) -> pd.DataFrame:
    """Count respondents per group and (answered_mask, satisfied_mask) pattern: the scoring input."""
    keys = group_columns(session, by)
    masks = [Response.answered_mask, Response.satisfied_mask]
    statement = (
        select(*keys, *masks, func.count().label("n"))
        .where(*response_conditions(session, path, filters, instruments))
        .group_by(*keys, *masks)
    )
    frame = run_copy(session, statement) if dialect(session) == "postgresql" else run(session, statement)
    if frame.empty:
        return pd.DataFrame({name: pd.Series(dtype=object) for name in [*by, "answered_mask", "satisfied_mask", "n"]})
    return frame


def run_copy(session: Session | Connection, statement) -> pd.DataFrame:
    """Stream a PostgreSQL result through COPY … TO STDOUT into pandas' C parser.

    A year of a large province is millions of distinct answer patterns; building a Python tuple
    per row took longer than the GROUP BY itself.
    """
    connection = connection_of(session)
    compiled = statement.compile(dialect=connection.dialect, compile_kwargs={"render_postcompile": True})
    buffer = io.BytesIO()
    with connection.connection.dbapi_connection.cursor() as cursor:
        query = f"COPY ({compiled}) TO STDOUT WITH (FORMAT csv, HEADER true)"
        with cursor.copy(query, compiled.params) as copy:
            for block in copy:
                buffer.write(block)
    buffer.seek(0)
    frame = pd.read_csv(buffer, true_values=["t"], false_values=["f"], dtype={"month": str, "channel": str})
    for name in ("counter_id", "service_id"):
        if name in frame:  # NULL keys stay None, as with the row-by-row path
            frame[name] = frame[name].astype(object).where(frame[name].notna(), None)
            frame[name] = frame[name].map(lambda v: None if v is None else int(v))
    return frame


def slot_column(slot: int):
    """Return the answer column of an item slot (v01 is slot 1)."""
    return Answer.__table__.c[f"v{slot:02d}"]


def level_counts(
    session: Session, *, path: str, filters: Filters, instrument: int, slot: int, levels: Sequence[int]
) -> pd.DataFrame:
    """Count the answers of one item per unit and level: columns unit_id, level_<v>…, answered."""
    column = slot_column(slot)
    sums = [func.sum(case((column == level, 1), else_=0)).label(f"level_{level}") for level in levels]
    statement = (
        select(Response.unit_id, *sums, func.count(column).label("answered"))
        .join(Answer, Answer.response_id == Response.id)
        .where(*response_conditions(session, path, filters, [instrument]))
        .group_by(Response.unit_id)
    )
    return run(session, statement)


def dossier_facts(
    session: Session, *, path: str, filters: Filters, rating: tuple[Sequence[int], int, int] | None
) -> pd.DataFrame:
    """Count dossiers per unit for QĐ 766: dissatisfied-rated, complaint, overdue, and bad (each once).

    `rating` is (instrument version ids, slot, dissatisfied value) of the per-dossier rating, if any;
    every dossier is counted once whatever the number of stored versions.
    Dossiers belong to the period by their reception time (creation time when unknown), and to
    the service filter by their service; channel and counter filters do not apply to dossiers.
    """
    overdue = and_(Dossier.returned_at.is_not(None), Dossier.due_at.is_not(None), Dossier.returned_at > Dossier.due_at)
    dossiers, dissatisfied = rated_dossiers(filters, rating)

    def count(condition):
        return func.sum(case((condition, 1), else_=0))

    where = [*in_units(Dossier.unit_id, subtree_ids(session, path)), received_in(filters.period)]
    if filters.service_id is not None:
        where.append(Dossier.service_id == filters.service_id)
    statement = (
        select(
            Dossier.unit_id,
            func.count().label("dossiers"),
            count(dissatisfied).label("dissatisfied"),
            count(Dossier.complaint.is_(True)).label("complaint"),
            count(overdue).label("overdue"),
            count(or_(dissatisfied, Dossier.complaint.is_(True), overdue)).label("bad"),
            count(local_date(session, Dossier.returned_at) < local_date(session, Dossier.due_at)).label("early"),
            count(local_date(session, Dossier.returned_at) == local_date(session, Dossier.due_at)).label("same_day"),
            count(and_(Dossier.returned_at.is_not(None), Dossier.due_at.is_not(None))).label("returned"),
        )
        .select_from(dossiers)
        .where(*where)
        .group_by(Dossier.unit_id)
    )
    return run(session, statement)


def received_in(period: Period):
    """Return the condition "received (created, when the reception time is unknown) in the period".

    The same as testing COALESCE(received_at, created_at), written on the plain columns so that
    PostgreSQL estimates how many dossiers match from their statistics: on the expression it
    guessed a few hundred for any period and chose per-dossier rating lookups for a whole year.
    """
    start, end = period.start_utc, period.end_utc
    return or_(
        and_(Dossier.received_at >= start, Dossier.received_at < end),
        and_(Dossier.received_at.is_(None), Dossier.created_at >= start, Dossier.created_at < end),
    )


def rated_dossiers(filters: Filters, rating: tuple[Sequence[int], int, int] | None):
    """Join each dossier to its dissatisfied rating, per version; return (FROM clause, condition).

    One LEFT JOIN of response and answer per instrument version: the unique constraint
    (instrument_id, dossier_hash) and the answer's primary key give each dossier at most one
    row per version, so no dossier is repeated and no DISTINCT is needed; a dossier is
    dissatisfied when any version's join found a row. The database looks each rating up once
    (a correlated EXISTS, used by two sums, was looked up twice) and may hash-join when the
    period holds many dossiers. Flagged ratings join nothing unless `include_flagged`.
    """
    dossiers = Dossier.__table__
    if rating is None or not rating[0]:
        return dossiers, literal_column("0") == literal_column("1")
    instruments, slot, value = rating
    found = []
    for n, instrument in enumerate(sorted(set(instruments))):
        response, answer = Response.__table__.alias(f"rating_{n}"), Answer.__table__.alias(f"rating_answer_{n}")
        on = [response.c.dossier_hash == Dossier.dossier_hash, response.c.instrument_id == instrument]
        if not filters.include_flagged:
            on.append(response.c.suspicious.is_(False))
        dossiers = dossiers.outerjoin(response, and_(*on)).outerjoin(
            answer, and_(answer.c.response_id == response.c.id, answer.c[f"v{slot:02d}"] == value)
        )
        found.append(answer.c.response_id.is_not(None))
    return dossiers, or_(*found)


def channel_counts(session: Session, *, path: str, filters: Filters, instruments: Sequence[int]) -> pd.DataFrame:
    """Count responses per channel (all instruments given): columns channel, n."""
    statement = (
        select(Response.channel, func.count().label("n"))
        .where(*response_conditions(session, path, filters.but(channel=None), instruments))
        .group_by(Response.channel)
        .order_by(func.count().desc())
    )
    return run(session, statement)


def recent_comments(
    session: Session,
    *,
    path: str,
    filters: Filters,
    instruments: Sequence[int] | None = None,
    search: str = "",
    page: int = 1,
    per_page: int = 20,
) -> tuple[pd.DataFrame, bool]:
    """Return one page of comments, newest first (LIKE/ILIKE search), and whether older ones follow.

    No total is counted: counting every matching comment of a province costs a full scan.
    """
    units = [filters.unit_id] if filters.unit_id is not None else subtree_ids(session, path)
    conditions = [*response_conditions(session, "/", filters.but(unit_id=None), instruments),
                  Response.comment.is_not(None), Response.comment != ""]
    if units is not None:
        # On SQLite "unit_id + 0" keeps the planner off the unit index: it walks the commented
        # responses (ix_response_commented) newest first and stops at a page, instead of gathering a
        # province's year unit by unit and sorting it (10 ms instead of 2.7 s at a million responses).
        column = Response.unit_id + 0 if dialect(session) == "sqlite" else Response.unit_id
        conditions.append(column.in_(units))
    if search:
        conditions.append(Response.comment.icontains(search, autoescape=True))
    statement = (
        select(
            Response.id,
            Response.submitted_at,
            Response.channel,
            Response.comment,
            Response.suspicious,
            Unit.code.label("unit"),
            Unit.name.label("unit_name"),
            Counter.name.label("counter"),
        )
        .join(Unit, Unit.id == Response.unit_id)
        .outerjoin(Counter, Counter.id == Response.counter_id)
        .where(*conditions)
        .order_by(Response.submitted_at.desc(), Response.id.desc())
        .limit(per_page + 1)
        .offset(max(page - 1, 0) * per_page)
    )
    frame = run(session, statement)
    return frame.head(per_page), len(frame) > per_page
