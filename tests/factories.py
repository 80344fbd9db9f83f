"""Small, readable test data: a province with two departments, a district and two communes."""

from dataclasses import dataclass

from sqlmodel import Session

from survey.core.passwords import hash_password
from survey.core.units import add_unit
from survey.instruments.catalogue import ensure_instruments
from survey.models import Counter, Role, Service, Unit, UnitKind, UnitService, User

PASSWORD = "correct horse battery"


@dataclass
class Province:
    root: Unit
    units: dict[str, Unit]
    counters: dict[str, Counter]
    services: dict[str, Service]
    users: dict[str, User]
    instruments: dict


def make_unit(session: Session, code: str, kind: UnitKind, parent: Unit | None, name: str | None = None) -> Unit:
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
        counters[code] = Counter(unit_id=unit.id, name=f"Quầy {code}", token=f"token-{code.lower()}-0123456789")
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
