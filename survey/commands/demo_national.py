"""A national demo: the ministry level above the 34 provinces and cities of 1 July 2025.

Each province has its public administration service centre with three branches, the ten
departments of the demo province, and about as many communes and wards as it has since the
reform (3,300 together; their names are demo names, "Xã 017 – Gia Lai"). The units, counters and
service links are written in a few bulk statements, not one flush per unit.
"""

from collections.abc import Callable

import numpy as np
from sqlalchemy import func, insert, select, text
from sqlmodel import Session

from survey.commands import demo_data
from survey.core.passwords import hash_password
from survey.core.units import new_counter_token, unused_short_codes
from survey.models import Counter, Role, Service, Unit, UnitKind, UnitService, User, utcnow

NATION = ("VN", "Toàn quốc – Bộ (dữ liệu mẫu)")
#: (code, name, communes and wards since 1 July 2025, share of wards): the 6 cities, then the 28
#: provinces; the commune counts are close to the reform's (3,321 with the special zones).
PROVINCES = [
    ("HNI", "Thành phố Hà Nội", 126, 0.40), ("HUE", "Thành phố Huế", 40, 0.52),
    ("HPG", "Thành phố Hải Phòng", 114, 0.40), ("DNG", "Thành phố Đà Nẵng", 94, 0.25),
    ("HCM", "Thành phố Hồ Chí Minh", 168, 0.68), ("CTO", "Thành phố Cần Thơ", 103, 0.30),
    ("LCU", "Tỉnh Lai Châu", 38, 0.05), ("DBN", "Tỉnh Điện Biên", 45, 0.07),
    ("SLA", "Tỉnh Sơn La", 75, 0.10), ("LSN", "Tỉnh Lạng Sơn", 65, 0.06),
    ("QNH", "Tỉnh Quảng Ninh", 54, 0.55), ("THA", "Tỉnh Thanh Hóa", 166, 0.11),
    ("NAN", "Tỉnh Nghệ An", 130, 0.09), ("HTH", "Tỉnh Hà Tĩnh", 69, 0.13),
    ("CBG", "Tỉnh Cao Bằng", 56, 0.07), ("TQG", "Tỉnh Tuyên Quang", 124, 0.06),
    ("LCI", "Tỉnh Lào Cai", 99, 0.10), ("TNN", "Tỉnh Thái Nguyên", 92, 0.16),
    ("PTO", "Tỉnh Phú Thọ", 148, 0.10), ("BNH", "Tỉnh Bắc Ninh", 99, 0.33),
    ("HYN", "Tỉnh Hưng Yên", 104, 0.11), ("NBH", "Tỉnh Ninh Bình", 129, 0.25),
    ("QTI", "Tỉnh Quảng Trị", 78, 0.10), ("QNG", "Tỉnh Quảng Ngãi", 96, 0.10),
    ("GLI", "Tỉnh Gia Lai", 135, 0.19), ("KHA", "Tỉnh Khánh Hòa", 65, 0.25),
    ("LDG", "Tỉnh Lâm Đồng", 124, 0.16), ("DLK", "Tỉnh Đắk Lắk", 102, 0.14),
    ("DNI", "Tỉnh Đồng Nai", 95, 0.24), ("TNH", "Tỉnh Tây Ninh", 96, 0.15),
    ("VLG", "Tỉnh Vĩnh Long", 124, 0.15), ("DTP", "Tỉnh Đồng Tháp", 102, 0.20),
    ("CMU", "Tỉnh Cà Mau", 64, 0.14), ("AGG", "Tỉnh An Giang", 102, 0.14),
]
CENTRE_COUNTERS, BRANCH_COUNTERS, DEPARTMENT_COUNTERS = 6, 3, 2
#: A ward has three counters; a commune two or three (about 10,000 counters in all).
COMMUNE_COUNTERS = ([2, 3], [0.4, 0.6])


def builder(provinces: int = len(PROVINCES)) -> Callable[[Session, np.random.Generator, str], None]:
    """Return a structure builder for demo.seed: the nation and its first `provinces` provinces."""
    if not 1 <= provinces <= len(PROVINCES):
        raise ValueError(f"provinces must be between 1 and {len(PROVINCES)}")

    def build(session: Session, rng: np.random.Generator, password: str) -> None:
        build_national(session, rng, password, PROVINCES[:provinces])

    return build


def build_national(session: Session, rng: np.random.Generator, password: str, provinces: list) -> None:
    """Create the nation, its provinces with their units, services, counters and the demo users."""
    service_ids = add_services(session)
    by_field: dict[str, list[int]] = {}
    for code, _name, field in demo_data.SERVICES:
        by_field.setdefault(field, []).append(service_ids[code])
    first_id = (session.execute(select(func.max(Unit.id))).scalar() or 0) + 1
    now = utcnow()
    units: list[dict] = []
    counters: list[int] = []  # units' counter numbers, in unit order
    links: list[tuple[int, list[str]]] = []

    def unit(code: str, name: str, kind: UnitKind, parent: dict | None, fields: list[str],
             counter_count: int) -> dict:
        row = {"id": first_id + len(units), "code": code, "name": name, "kind": kind.value,
               "parent_id": parent and parent["id"], "active": True, "created_at": now}
        row["path"] = f"{parent['path'] if parent else '/'}{row['id']}/"
        units.append(row)
        counters.append(counter_count)
        links.append((row["id"], fields))
        return row

    nation = unit(*NATION, UnitKind.NATION, None, [], 0)
    for code, name, communes, ward_share in provinces:
        place = name.removeprefix("Tỉnh ").removeprefix("Thành phố ")
        province = unit(code, name, UnitKind.PROVINCE, nation, [], 0)
        centre = unit(f"{code}-TTPVHCC", f"Trung tâm Phục vụ hành chính công {place}", UnitKind.CENTRE,
                      province, demo_data.CENTRE_FIELDS, CENTRE_COUNTERS)
        for number in range(1, 4):
            unit(f"{code}-CN{number:02d}", f"Chi nhánh số {number} – Trung tâm PVHCC {place}",
                 UnitKind.BRANCH, centre, demo_data.BRANCH_FIELDS, BRANCH_COUNTERS)
        for dept_code, dept_name, fields in demo_data.DEPARTMENTS:
            unit(f"{code}-{dept_code}", f"{dept_name} {place}", UnitKind.DEPARTMENT, province, fields,
                 DEPARTMENT_COUNTERS)
        wards = round(communes * ward_share)
        for number in range(1, communes + 1):
            ward = number <= wards
            counter_count = 3 if ward else int(rng.choice(COMMUNE_COUNTERS[0], p=COMMUNE_COUNTERS[1]))
            unit(f"{code}-{'P' if ward else 'X'}{number:03d}",
                 f"{'Phường' if ward else 'Xã'} {number:03d} – {place}",
                 UnitKind.WARD if ward else UnitKind.COMMUNE, province, demo_data.COMMUNE_FIELDS,
                 counter_count)
    session.execute(insert(Unit), units)
    if session.get_bind().dialect.name == "postgresql":
        # Explicit ids leave the sequence behind; the next unit added in the admin pages would collide.
        session.execute(text("SELECT setval(pg_get_serial_sequence('unit', 'id'), "
                             "(SELECT max(id) FROM unit))"))
    session.execute(insert(UnitService), [
        {"unit_id": unit_id, "service_id": service_id}
        for unit_id, fields in links for field in fields for service_id in by_field.get(field, [])
    ])
    codes = unused_short_codes(session)
    rows = []
    for row, count in zip(units, counters, strict=True):
        for number in range(1, count + 1):
            rows.append({"unit_id": row["id"], "name": f"Quầy số {number}", "token": new_counter_token(),
                         "short_code": next(codes), "instrument_code": "sipas-service", "active": True,
                         "created_at": now})
    session.execute(insert(Counter), rows)
    digest = hash_password(password)
    session.add(User(username="manager", password_hash=digest, role=Role.UNIT_MANAGER, unit_id=nation["id"]))
    session.add(User(username="admin", password_hash=digest, role=Role.PROVINCE_ADMIN, unit_id=nation["id"]))


def add_services(session: Session) -> dict[str, int]:
    """Add the demo's procedures; return their ids by code."""
    session.execute(insert(Service), [{"code": code, "name": name, "field": field}
                                      for code, name, field in demo_data.SERVICES])
    return {code: service_id for code, service_id in session.execute(select(Service.code, Service.id))}
