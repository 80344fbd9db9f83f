"""Seed a large province for the scoring benchmark: about 1,000 units and N SIPAS responses.

    python benchmarks/scoring/seed.py DATABASE_URL --responses 10000000

The structure is the demo's generator at national-province scale: 12 departments and 25
districts of 40 communes each, every response on the SIPAS service form (the heaviest case).
"""

import argparse
import time

import numpy as np
from sqlmodel import Session

from survey import create_app
from survey.commands import demo, demo_data, migrate
from survey.core.units import add_unit, new_counter_token
from survey.db import get_engine
from survey.models import Counter, Service, UnitKind, UnitService

SIPAS_ONLY = {"counter-qr": 0.8, "paper": 0.2}


def build_large(session: Session, rng: np.random.Generator, password: str) -> None:
    """Create a province of about 1,040 units with one or two counters each."""
    services = [Service(code=code, name=name, field=field) for code, name, field in demo_data.SERVICES]
    session.add_all(services)
    session.flush()
    province = add_unit(session, "BIG", "Tỉnh lớn (benchmark)", UnitKind.PROVINCE, None)
    parents = [add_unit(session, code, name, UnitKind.DEPARTMENT, province)
               for code, name, _ in demo_data.DEPARTMENTS]
    for district in range(25):
        parent = add_unit(session, f"D{district:02d}", f"Huyện {district}", UnitKind.DISTRICT, province)
        parents.append(parent)
        parents.extend(
            add_unit(session, f"D{district:02d}-{c:02d}", f"Xã {district}-{c}", UnitKind.COMMUNE, parent)
            for c in range(40)
        )
    for unit in parents:
        session.add(Counter(unit_id=unit.id, name="Quầy 1", token=new_counter_token()))
        for service in rng.choice(services, size=5, replace=False):
            session.add(UnitService(unit_id=unit.id, service_id=service.id))


def main() -> None:
    """Parse arguments, migrate and seed."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("database_url")
    parser.add_argument("--responses", type=int, default=10_000_000)
    args = parser.parse_args()
    app = create_app({"TESTING": True, "DATABASE_URL": args.database_url})
    engine = get_engine(app)
    migrate.upgrade(engine)
    started = time.perf_counter()
    result = demo.seed(engine, responses=args.responses, seed=1, build=build_large, channels=SIPAS_ONLY)
    print(f"{result.units} units, {result.responses:,} responses in {time.perf_counter() - started:.0f} s")


if __name__ == "__main__":
    main()
