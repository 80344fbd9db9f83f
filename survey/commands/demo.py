"""A demo province with a year of synthetic responses, written in bulk.

Unit satisfaction is drawn between about 70% and 98% so verdicts differ; a respondent's items
are correlated through a Gaussian copula (one latent mood per respondent), "no opinion" is common
on factor E, channels and office hours follow a plausible mix.
"""

import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta

import numpy as np
import pandas as pd
from scipy.special import ndtr
from sqlalchemy import Engine, func
from sqlmodel import Session, select

from survey import instruments
from survey.commands import demo_data, demo_extras
from survey.commands.bulk import insert_rows
from survey.core.passwords import hash_password
from survey.core.units import add_unit, new_counter_token, unused_short_codes
from survey.instruments.catalogue import ensure_instruments
from survey.models import (
    Answer,
    Counter,
    Dossier,
    Response,
    Role,
    Service,
    Unit,
    UnitKind,
    UnitService,
    User,
)
from survey.periods import LOCAL_OFFSET, local_today
from survey.scores import tally

DEMO_PASSWORD = "hailong-demo"
#: Channel shares of the demo, and the instrument each channel asks.
CHANNELS = {"counter-qr": 0.45, "kiosk": 0.33, "receipt": 0.16, "paper": 0.06}
CHANNEL_INSTRUMENT = {
    "counter-qr": instruments.SIPAS,
    "paper": instruments.SIPAS,
    "kiosk": instruments.QUICK,
    "receipt": instruments.DOSSIER,
}
#: Probability of "no opinion" per SIPAS factor; E (feedback handling) is often not experienced.
NO_OPINION = {"A": 0.0, "B": 0.02, "C": 0.0, "D": 0.10, "E": 0.38, None: 0.0}
ITEM_CORRELATION = 0.6
STRAIGHT_LINERS = 0.4
#: Responses generated and written at a time, so memory stays flat however many are asked for.
CHUNK = 500_000


@dataclass(frozen=True)
class DemoResult:
    units: int
    counters: int
    services: int
    responses: int
    seconds: float
    username: str
    password: str


def seed(
    engine: Engine,
    *,
    responses: int,
    seed: int,
    password: str | None = None,
    build: Callable[[Session, np.random.Generator, str], None] | None = None,
    channels: dict[str, float] | None = None,
    progress: Callable[[str], None] | None = None,
    tally_every: int = 1,
) -> DemoResult:
    """Create the demo province (or another structure, once) and add synthetic responses.

    The tally is added from the written arrays every `tally_every` chunks: with many groups (a
    nation) adding several chunks at once updates each group once instead of once per chunk.
    """
    started = time.perf_counter()
    rng = np.random.default_rng(seed)
    password = password or DEMO_PASSWORD
    with Session(engine) as session:
        rows = ensure_instruments(session)
        if session.exec(select(Unit.id).limit(1)).first() is None:
            (build or build_structure)(session, rng, password)
        session.commit()
        units = session.exec(select(Unit).order_by(Unit.id)).all()
        counters = session.exec(select(Counter).where(Counter.active)).all()
        links = session.exec(select(UnitService)).all()
        service_count = session.exec(select(func.count()).select_from(Service)).one()
        next_id = (session.exec(select(func.max(Response.id))).one() or 0) + 1
        instrument_ids = {code: row.id for code, row in rows.items()}
    waiting: list[pd.DataFrame] = []
    for start in range(0, responses, CHUNK):
        size = min(CHUNK, responses - start)
        frame = generate(rng, units=units, counters=counters, links=links, n=size,
                         channels=channels or CHANNELS)
        waiting.append(write(engine, frame, first_id=next_id + start, instrument_ids=instrument_ids))
        if len(waiting) >= tally_every or start + size >= responses:
            tally.add_inserted(engine, pd.concat(waiting, ignore_index=True))
            waiting.clear()
        if progress:
            progress(f"{start + size:,} of {responses:,} responses in {time.perf_counter() - started:.0f} s")
    tally.fold(engine)  # whatever the chunks could not add themselves
    refresh_statistics(engine)
    return DemoResult(
        units=len(units),
        counters=len(counters),
        services=service_count,
        responses=responses,
        seconds=time.perf_counter() - started,
        username="manager",
        password=password,
    )


def refresh_statistics(engine: Engine) -> None:
    """Let the planner see bulk-loaded rows (PostgreSQL: VACUUM ANALYZE also enables index-only scans)."""
    tables = ("response", "answer", "dossier", "tally", "tally_pending", "tally_pending_dossier")
    if engine.dialect.name == "postgresql":
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
            for table in tables:
                connection.exec_driver_sql(f"VACUUM ANALYZE {table}")
    else:
        # In a transaction that commits: the connections begin their own (db.py), so an
        # "autocommit" ANALYZE was rolled back with it.
        with engine.begin() as connection:
            for table in tables:
                connection.exec_driver_sql(f"ANALYZE {table}")


def build_structure(session: Session, rng: np.random.Generator, password: str) -> None:
    """Create the units, services, counters and demo users."""
    services = {}
    for code, name, field in demo_data.SERVICES:
        services[code] = Service(code=code, name=name, field=field)
        session.add(services[code])
    session.flush()
    by_field: dict[str, list[Service]] = {}
    for service in services.values():
        by_field.setdefault(service.field, []).append(service)
    codes = unused_short_codes(session)

    def offer(unit: Unit, fields: list[str], counters: int) -> None:
        for field in fields:
            for service in by_field.get(field, []):
                session.add(UnitService(unit_id=unit.id, service_id=service.id))
        for number in range(1, counters + 1):
            session.add(Counter(unit_id=unit.id, name=f"Quầy số {number}", token=new_counter_token(),
                                short_code=next(codes)))

    province = add_unit(session, *demo_data.PROVINCE, UnitKind.PROVINCE, None)
    centre = add_unit(session, *demo_data.CENTRE, UnitKind.CENTRE, province)
    offer(centre, demo_data.CENTRE_FIELDS, 6)
    for code, name in demo_data.BRANCHES:
        offer(add_unit(session, code, name, UnitKind.BRANCH, centre), demo_data.BRANCH_FIELDS, 3)
    for code, name, fields in demo_data.DEPARTMENTS:
        offer(add_unit(session, code, name, UnitKind.DEPARTMENT, province), fields, 2)
    for kind, places in ((UnitKind.WARD, demo_data.WARDS), (UnitKind.COMMUNE, demo_data.COMMUNES)):
        for code, name in places:
            offer(add_unit(session, code, name, kind, province), demo_data.COMMUNE_FIELDS, 3)
    session.add(User(username="manager", password_hash=hash_password(password), role=Role.UNIT_MANAGER,
                     unit_id=province.id))
    session.add(User(username="admin", password_hash=hash_password(password), role=Role.PROVINCE_ADMIN,
                     unit_id=province.id))


def generate(rng: np.random.Generator, *, units, counters, links, n: int,
             channels: dict[str, float]) -> dict[str, np.ndarray]:
    """Draw n synthetic responses as columns."""
    unit_index = {unit.id: i for i, unit in enumerate(units)}
    true_share = true_shares(np.array([unit.id for unit in units]))
    kind_weight = {"centre": 3.0, "branch": 1.5, "department": 0.8, "ward": 1.2, "commune": 1.0,
                   "district": 1.5, "province": 0.0, "nation": 0.0}
    weights = np.array([kind_weight[units[unit_index[c.unit_id]].kind] for c in counters])
    counter_pick = rng.choice(len(counters), size=n, p=weights / weights.sum())
    counter_ids = np.array([c.id for c in counters])[counter_pick]
    unit_ids = np.array([c.unit_id for c in counters])[counter_pick]
    share = true_share[np.searchsorted(np.array([unit.id for unit in units]), unit_ids)]
    channel = rng.choice(list(channels), size=n, p=list(channels.values()))
    columns = {
        "unit_id": unit_ids,
        "counter_id": counter_ids,
        "service_id": pick_services(rng, unit_ids, links),
        "channel": channel,
        "submitted_at": office_hours(rng, n),
        "language": np.where(rng.random(n) < 0.96, "vi", "en"),
    }
    columns.update(answers(rng, share, channel))
    return columns


def true_shares(unit_ids: np.ndarray) -> np.ndarray:
    """Return each unit's true share of satisfied answers, the same on every run (70%–98%)."""
    return np.random.default_rng(20261122).uniform(0.70, 0.98, size=int(unit_ids.max()) + 1)[unit_ids]


def pick_services(rng: np.random.Generator, unit_ids: np.ndarray, links) -> np.ndarray:
    """Pick one of each response's unit services (none for about 15%, and none where a unit offers none)."""
    pairs = np.array(sorted((link.unit_id, link.service_id) for link in links), dtype=np.int64).reshape(-1, 2)
    size = int(max(unit_ids.max(initial=0), pairs[:, 0].max(initial=0))) + 1
    count = np.bincount(pairs[:, 0], minlength=size)
    first = np.concatenate([[0], np.cumsum(count)[:-1]])
    offered = count[unit_ids]
    pick = first[unit_ids] + (rng.random(unit_ids.size) * offered).astype(np.int64)
    result = np.where(offered > 0, pairs[np.minimum(pick, len(pairs) - 1), 1] if len(pairs) else -1, -1)
    result[rng.random(unit_ids.size) < 0.15] = -1
    return result


def office_hours(rng: np.random.Generator, n: int) -> np.ndarray:
    """Draw UTC times on working days of the last year, 7:30–11:30 and 13:30–17:00 local."""
    today = local_today()
    start = np.datetime64(today - timedelta(days=365))
    days = rng.integers(0, 365, size=3 * n)
    weekday = (days + (start.astype("datetime64[D]").view("int64") - 4) % 7) % 7  # 0 = Monday
    days = days[(weekday < 5) | ((weekday == 5) & (rng.random(days.size) < 0.1))][:n]
    morning = rng.random(n) < 0.6
    minutes = np.where(morning, rng.uniform(450, 690, n), rng.uniform(810, 1020, n))
    local = start + days.astype("timedelta64[D]") + (minutes * 60).astype("timedelta64[s]")
    return (local - np.timedelta64(LOCAL_OFFSET)).astype("datetime64[s]")


def answers(rng: np.random.Generator, share: np.ndarray, channel: np.ndarray) -> dict[str, np.ndarray]:
    """Draw item values, masks, comments and facts for every response."""
    n = share.size
    values = np.full((n, 24), -1, dtype=np.int16)
    mood = rng.standard_normal(n)
    happy = ndtr(mood) < share
    # Many respondents tick one column for every item ("straight-lining").
    straight = rng.random(n) < STRAIGHT_LINERS
    straight_level = np.where(happy, np.where(rng.random(n) < 0.5, 5, 4), rng.choice([3, 3, 2, 1], n))
    sipas = instruments.load(instruments.SIPAS)
    # "No opinion" comes in blocks: whoever never gave feedback skips all of factor E.
    skipped = {factor: rng.random(n) < share_ for factor, share_ in NO_OPINION.items()}
    for item in sipas.scored_items:
        noise = rng.standard_normal(n)
        latent = np.sqrt(ITEM_CORRELATION) * mood + np.sqrt(1 - ITEM_CORRELATION) * noise
        satisfied = ndtr(latent) < share
        level = np.where(satisfied, np.where(rng.random(n) < 0.45, 5, 4), rng.choice([3, 3, 3, 2, 2, 1], n))
        level = np.where(straight, straight_level, level)
        level[skipped[item.factor] | (rng.random(n) < 0.01)] = 0
        values[:, item.slot - 1] = level
    quick = channel == "kiosk"
    values[quick, :] = -1
    values[quick, 0] = np.where(happy[quick], np.where(rng.random(quick.sum()) < 0.5, 3, 2), 1)
    values[quick, 1] = np.where(happy[quick], -1, 1 << rng.integers(0, 6, quick.sum()))
    receipt = channel == "receipt"
    values[receipt, :] = -1
    for slot in range(4):
        draw = rng.random(receipt.sum())
        good = share[receipt]
        values[receipt, slot] = np.where(draw < good * 0.6, 1, np.where(draw < good, 2, 3))
    values[receipt, 4] = np.where(happy[receipt], np.where(rng.random(receipt.sum()) < 0.5, 3, 2), 1)
    return {"values": values, "happy": happy}


def masks(values: np.ndarray, instrument: instruments.Instrument) -> tuple[np.ndarray, np.ndarray]:
    """Compute the answered and satisfied bit masks of an instrument's rows."""
    levels = [level.value for level in instrument.levels]
    answered = np.zeros(len(values), dtype=np.int64)
    satisfied = np.zeros(len(values), dtype=np.int64)
    for bit, item in enumerate(instrument.scored_items):
        column = values[:, item.slot - 1]
        answered |= np.isin(column, levels).astype(np.int64) << bit
        satisfied |= np.isin(column, list(instrument.satisfied)).astype(np.int64) << bit
    return answered, satisfied




def write(engine: Engine, columns: dict[str, np.ndarray], *, first_id: int,
          instrument_ids: dict[str, int]) -> pd.DataFrame:
    """Write responses, their answers and the receipts' dossiers in bulk; return the tally's rows of them."""
    rng = np.random.default_rng(first_id)
    n = columns["channel"].size
    ids = np.arange(first_id, first_id + n)
    values = columns["values"]
    codes = pd.Series(columns["channel"]).map(CHANNEL_INSTRUMENT).to_numpy()
    answered = np.zeros(n, dtype=np.int64)
    satisfied = np.zeros(n, dtype=np.int64)
    instrument_id = np.zeros(n, dtype=np.int64)
    for code in set(CHANNEL_INSTRUMENT.values()):
        rows = codes == code
        answered[rows], satisfied[rows] = masks(values[rows], instruments.load(code))
        instrument_id[rows] = instrument_ids[code]
    receipt = columns["channel"] == "receipt"
    dossier_hash = np.full(n, None, dtype=object)
    dossier_hash[receipt] = [secrets.token_hex(32) for _ in range(int(receipt.sum()))]
    extra = demo_extras.extras(rng, columns)
    response_columns = {
        "id": ids,
        "instrument_id": instrument_id,
        "unit_id": columns["unit_id"],
        "counter_id": columns["counter_id"],
        "service_id": np.where(columns["service_id"] < 0, None, columns["service_id"]),
        "channel": columns["channel"],
        "submitted_at": columns["submitted_at"],
        "idempotency_key": [secrets.token_hex(16) for _ in range(n)],
        "dossier_hash": dossier_hash,
        "language": columns["language"],
        "answered_mask": answered,
        "satisfied_mask": satisfied,
        **extra,
    }
    answer_columns = {"response_id": ids}
    for slot in range(values.shape[1]):
        answer_columns[f"v{slot + 1:02d}"] = np.where(values[:, slot] < 0, None, values[:, slot])
    insert_rows(engine, Response.__table__, response_columns)
    insert_rows(engine, Answer.__table__, answer_columns)
    insert_rows(engine, Dossier.__table__, demo_extras.dossiers(rng, columns, dossier_hash, receipt))
    local = np.asarray(columns["submitted_at"], dtype="datetime64[s]") + np.timedelta64(LOCAL_OFFSET)
    return pd.DataFrame({
        **{name: response_columns[name]
           for name in ("id", "instrument_id", "unit_id", "counter_id", "channel",
                        "answered_mask", "satisfied_mask")},
        "service_id": np.maximum(columns["service_id"], 0), "suspicious": extra["suspicious"],
        "month": local.astype("datetime64[M]").astype(str),
        **{f"v{slot + 1:02d}": values[:, slot] for slot in range(values.shape[1])},
    })
