"""Response rates counted in one grouped pass equal each procedure, month and child unit counted alone."""

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import update

from survey import scores
from survey.db import get_engine
from survey.models import Dossier, Response, Service, Unit, UnitService
from survey.periods import Period, parse
from survey.scores import Filters, rates, tally
from tests.factories import JULY, add_rated, add_sipas

AUGUST = datetime(2026, 8, 3, 2, 0, tzinfo=UTC)


@pytest.fixture
def data(app, session, province):
    """Ratings and dossiers of three procedures (one without ratings) and none, in July and August."""
    third = Service(code="3.000001", name="Cấp phiếu lý lịch tư pháp", field="Tư pháp")
    session.add(third)
    session.flush()
    session.add(UnitService(unit_id=province.units["D2"].id, service_id=third.id))
    services = {**province.services, third.code: third}
    add_sipas(session, province, "D1", n=7, satisfied=3, service="1.001193", channel="paper", flagged=2)
    add_sipas(session, province, "H-01", n=5, satisfied=5, service="1.001193", when=AUGUST)
    add_sipas(session, province, "D2", n=4, satisfied=1, service="2.000815", channel="kiosk")
    add_sipas(session, province, "H-02", n=3, satisfied=2, service="2.000815", when=AUGUST, flagged=1)
    add_sipas(session, province, "D1", n=2, satisfied=2)  # no procedure
    due = JULY + timedelta(days=5)
    for unit, code, when, value, facts in (
        ("D1", "1.001193", JULY, 3, {"due_at": due, "returned_at": due - timedelta(days=1)}),
        ("D1", "1.001193", AUGUST, 1, {}),
        ("H-01", "2.000815", JULY, 1, {"due_at": due, "returned_at": due + timedelta(days=2)}),
        ("D2", "3.000001", JULY, 3, {"due_at": due, "returned_at": due}),
        ("D2", "3.000001", AUGUST, 1, {"due_at": AUGUST, "returned_at": AUGUST}),
        ("H-02", None, JULY, 2, {}),
    ):
        service_id = services[code].id if code else None
        rating = add_rated(session, province, unit, "tt01-dossier", {"RATING": value}, when=when,
                           dossier={"service_id": service_id, **facts})
        if value == 1 and unit == "D2":
            session.execute(update(Response).where(Response.id == rating.id).values(suspicious=True))
    # A dossier nobody rated, and one received in July that is rated in August.
    session.add(Dossier(unit_id=province.units["H-01"].id, dossier_hash="e" * 64, received_at=JULY,
                        service_id=services["1.001193"].id, due_at=due, returned_at=due))
    session.commit()
    with app.app_context():
        yield province


PERIODS = {"july and august": "2026-07-01..2026-08-31", "july": "2026-07",
           "part of two months": "2026-07-02..2026-08-30"}


@pytest.mark.parametrize("folded", [False, True], ids=["pending", "folded"])
@pytest.mark.parametrize("flagged", [True, False], ids=["flagged kept", "flagged left out"])
@pytest.mark.parametrize("period", list(PERIODS))
def test_grouped_rates_equal_each_row_counted_alone(session, data, folded, flagged, period):
    if folded:
        assert tally.fold(get_engine()).responses > 0
    filters = Filters(parse(PERIODS[period]), include_flagged=flagged)
    for code in ("P", "H"):
        unit = data.root if code == "P" else data.units[code]
        units = scores.subtree_units(session, unit)
        grouped = scores.response_rates(session, unit, units, filters)
        assert grouped == one_at_a_time(session, unit, units, filters), code
    whole = scores.response_rates(session, data.root, scores.subtree_units(session, data.root), filters)
    procedures = {row["service"] for row in whole["services"]}
    assert procedures == {"1.001193", "2.000815", "3.000001"}, "several procedures are compared"
    if period == "july and august" and flagged:
        third = next(row for row in whole["services"] if row["service"] == "3.000001")
        assert (third["ratings"], third["received"], third["returned"]) == (0, 2, 2)
        first = next(row for row in whole["services"] if row["service"] == "1.001193")
        assert (first["ratings"], first["received"], first["returned"]) == (12, 3, 2)
        assert whole["scope"]["ratings"] == 21 + 6 and whole["scope"]["received"] == 7


def test_a_procedure_filter_counts_that_procedure_alone(session, data):
    filters = Filters(parse("2026-07-01..2026-08-31"), service_id=data.services["1.001193"].id)
    units = scores.subtree_units(session, data.root)
    grouped = scores.response_rates(session, data.root, units, filters)
    assert grouped == one_at_a_time(session, data.root, units, filters)
    assert grouped["services"] == []
    assert (grouped["scope"]["ratings"], grouped["scope"]["received"]) == (12, 3)


def one_at_a_time(session, unit: Unit, units: list[Unit], filters: Filters) -> dict:
    """Return what response_rates does, each row counted on its own by rates.rates_of (the reference)."""
    period: Period = filters.period
    months = [{"month": m, **rates.rates_of(session, units,
                                                      filters.but(period=rates.month_within(period, m)))}
              for m in period.months()]
    services = []
    if filters.service_id is None:
        for service in rates.handled(session, units):
            row = rates.rates_of(session, units, filters.but(service_id=service.id))
            if row["ratings"] or row["received"]:
                services.append({"service": service.code, "name": service.name, **row})
    children = []
    for child in (u for u in units if u.parent_id == unit.id):
        subtree = [child, *(u for u in units if u.path.startswith(child.path) and u.id != child.id)]
        row = rates.rates_of(session, subtree, filters)
        if row["ratings"] or row["received"]:
            children.append({"unit": child.code, "name": child.name, **row})
    return {"scope": rates.rates_of(session, units, filters), "months": months, "services": services,
            "units": children}
