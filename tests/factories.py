"""Small, readable test data: a province with two departments, a district and two communes, and
responses with known answers (every share in them can be worked out by hand)."""

import itertools
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import func, select
from sqlmodel import Session

from survey import instruments
from survey.core.passwords import hash_password
from survey.core.units import add_unit
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

PASSWORD = "correct horse battery"


@dataclass
class Province:
    root: Unit
    units: dict[str, Unit]
    counters: dict[str, Counter]
    services: dict[str, Service]
    users: dict[str, User]
    instruments: dict


def make_unit(session: Session, code: str, kind: UnitKind, parent: Unit | None,
              name: str | None = None) -> Unit:
    """Add a unit and set its path."""
    return add_unit(session, code, name or f"Đơn vị {code}", kind, parent)


def make_user(session: Session, username: str, role: Role, unit: Unit | None) -> User:
    """Add a user with the shared test password."""
    user = User(username=username, password_hash=hash_password(PASSWORD), role=role, unit_id=unit and unit.id)
    session.add(user)
    return user


def small_province(session: Session) -> Province:
    """Build P → (D1, D2, H → (H-01, H-02)) with one counter per unit and three users."""
    instruments = ensure_instruments(session)
    root = make_unit(session, "P", UnitKind.PROVINCE, None, "Tỉnh Thử nghiệm")
    units = {"P": root}
    for code in ("D1", "D2"):
        units[code] = make_unit(session, code, UnitKind.DEPARTMENT, root)
    units["H"] = make_unit(session, "H", UnitKind.DISTRICT, root)
    for code in ("H-01", "H-02"):
        units[code] = make_unit(session, code, UnitKind.COMMUNE, units["H"])
    services = {
        "1.001193": Service(code="1.001193", name="Đăng ký khai sinh", field="Hộ tịch"),
        "2.000815": Service(code="2.000815", name="Chứng thực bản sao từ bản chính", field="Chứng thực"),
    }
    session.add_all(services.values())
    session.flush()
    counters = {}
    for code, unit in units.items():
        if code == "P":
            continue
        counters[code] = Counter(unit_id=unit.id, name=f"Quầy {code}",
                                 token=f"token-{code.lower()}-0123456789")
        session.add(counters[code])
        for service in services.values():
            session.add(UnitService(unit_id=unit.id, service_id=service.id))
    users = {
        "admin": make_user(session, "admin", Role.PROVINCE_ADMIN, root),
        "district": make_user(session, "district", Role.UNIT_MANAGER, units["H"]),
        "viewer": make_user(session, "viewer", Role.VIEWER, units["D1"]),
    }
    session.commit()
    return Province(root, units, counters, services, users, instruments)


# --- responses with known answers: every share in them can be worked out by hand ---

JULY = datetime(2026, 7, 15, 3, 0, tzinfo=UTC)
_keys = itertools.count(1)
CHANNELS = {"sipas-service": "counter-qr", "quick-3": "kiosk", "tt01-dossier": "receipt"}


def add_sipas(session: Session, province: Province, unit: str, *, n: int, satisfied: int,
              when: datetime = JULY, channel: str = "counter-qr", flagged: int = 0,
              comment: str | None = None, service: str | None = None) -> None:
    """Add n SIPAS responses at a unit's counter: `satisfied` of them answer 5 to every item, the rest 2."""
    instrument = instruments.load("sipas-service")
    connection = session.connection()
    first = (connection.execute(select(func.max(Response.id))).scalar() or 0) + 1
    responses, answers = [], []
    for i in range(n):
        level = 5 if i < satisfied else 2
        answered, happy = instrument.masks({item.code: level for item in instrument.scored_items})
        responses.append({
            "id": first + i, "instrument_id": province.instruments["sipas-service"].id,
            "unit_id": province.units[unit].id, "counter_id": province.counters[unit].id,
            "service_id": province.services[service].id if service else None, "channel": channel,
            "submitted_at": when, "idempotency_key": f"key-{next(_keys)}", "language": "vi",
            "answered_mask": answered, "satisfied_mask": happy, "comment": comment if i == 0 else None,
            "suspicious": i < flagged, "suspicious_reason": "too fast" if i < flagged else None,
        })
        slots = {f"v{item.slot:02d}": level for item in instrument.scored_items}
        answers.append({"response_id": first + i, **slots})
    connection.execute(Response.__table__.insert(), responses)
    connection.execute(Answer.__table__.insert(), answers)
    session.commit()


def add_sipas_items(session: Session, province: Province, unit: str, levels: dict[str, int], *,
                    n: int) -> None:
    """Add n SIPAS responses answering 5 to every item except those given."""
    instrument = instruments.load("sipas-service")
    values = {item.code: levels.get(item.code, 5) for item in instrument.scored_items}
    for _ in range(n):
        add_rated(session, province, unit, "sipas-service", values)


def add_rated(session: Session, province: Province, unit: str, code: str, values: dict[str, int], *,
              when: datetime = JULY, dossier: dict | None = None) -> Response:
    """Add one quick-3 or tt01-dossier response (item code → value), with its dossier when given."""
    instrument = instruments.load(code)
    answered, happy = instrument.masks(values)
    dossier_hash = None
    if dossier is not None:
        dossier_hash = f"{next(_keys):064d}"
        session.add(Dossier(unit_id=province.units[unit].id, dossier_hash=dossier_hash, received_at=when,
                            **dossier))
    # Explicit ids, as add_sipas writes them (a PostgreSQL sequence would not know about those).
    next_id = (session.connection().execute(select(func.max(Response.id))).scalar() or 0) + 1
    response = Response(
        id=next_id, instrument_id=province.instruments[code].id, unit_id=province.units[unit].id,
        counter_id=province.counters[unit].id, channel=CHANNELS[code], submitted_at=when,
        idempotency_key=f"key-{next(_keys)}", answered_mask=answered, satisfied_mask=happy,
        dossier_hash=dossier_hash,
    )
    session.add(response)
    session.flush()
    slots = {f"v{instrument.item(code).slot:02d}": value for code, value in values.items()}
    session.connection().execute(Answer.__table__.insert().values(response_id=response.id, **slots))
    session.commit()
    return response


def verdict_mix(session: Session, province: Province) -> None:
    """Give D1 a met, D2 a not-met, H-01 an inconclusive and H-02 an insufficient July."""
    add_sipas(session, province, "D1", n=60, satisfied=60, comment="Cán bộ rất nhiệt tình")
    add_sipas(session, province, "D2", n=60, satisfied=30, flagged=5, comment="Phải chờ quá lâu")
    add_sipas(session, province, "H-01", n=40, satisfied=37)
    add_sipas(session, province, "H-02", n=10, satisfied=9)
