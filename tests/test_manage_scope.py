"""Scope isolation: every manager route answers 404 for units outside the user's subtree."""

import csv
import io
import itertools
import re

import pytest
from openpyxl import load_workbook

from tests.factories import verdict_mix
from tests.helpers import SCOPE_ROUTES, UNIT_ROUTES, sign_in

#: (user, a unit outside their subtree): the district manager sees H, H-01, H-02; the viewer only D1.
OUTSIDE = [("district", "D1"), ("district", "D2"), ("district", "P"), ("viewer", "H"), ("viewer", "H-01"),
           ("viewer", "P"), ("admin", "NO-SUCH-UNIT")]
INSIDE = [("district", "H"), ("district", "H-02"), ("viewer", "D1"), ("admin", "P"), ("admin", "H-01")]


def test_the_route_lists_cover_every_manager_route(app):
    # Every page; the one form post (an improvement action) has its own scope tests in test_followup.py.
    rules = {rule.rule for rule in app.url_map.iter_rules()
             if rule.rule.startswith("/manage") and "GET" in (rule.methods or ())}
    listed = {route.replace("{code}", "<code>") for route in UNIT_ROUTES} | set(SCOPE_ROUTES)
    export = "export.<any(csv, xlsx):fmt>"
    listed = {r.replace("export.csv", export).replace("export.xlsx", export) for r in listed}
    assert rules == listed


def check(client, route: str, pairs: list[tuple[str, str]], status: int) -> None:
    """Sign in as each user in turn and ask for the route of each unit."""
    for username, code in pairs:
        sign_in(client, username)
        response = client.get(route.format(code=code) + "?period=2026-07")
        assert response.status_code == status, (username, code, response.status_code)
        client.post("/logout")


@pytest.mark.parametrize("route", UNIT_ROUTES)
def test_units_outside_the_scope_are_not_found(client, province, route):
    check(client, route, OUTSIDE, 404)


@pytest.mark.parametrize("route", UNIT_ROUTES)
def test_units_inside_the_scope_are_shown(client, session, province, route):
    verdict_mix(session, province)
    check(client, route, INSIDE, 200)


@pytest.mark.parametrize("route", UNIT_ROUTES + SCOPE_ROUTES)
def test_signed_out_visitors_are_sent_to_sign_in(client, province, route):
    response = client.get(route.format(code="P"))
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def listed_units(route: str, body: bytes) -> set[str]:
    """Return the unit codes a scope page or export lists: its unit rows, never the whole text.

    (A page's random CSRF token may contain any short code, such as "D1".)
    """
    if route.endswith("xlsx"):
        rows = list(load_workbook(io.BytesIO(body)).worksheets[1].iter_rows(values_only=True))[1:]
    elif route.endswith("csv"):
        lines = list(csv.reader(io.StringIO(body.decode("utf-8-sig")), delimiter=";"))
        header = next(n for n, row in enumerate(lines) if len(row) > 2)  # the scores table's header
        rows = itertools.takewhile(any, lines[header + 1:])
    else:
        return set(re.findall(r'data-unit="([^"]*)"', body.decode()))
    return {row[0] for row in rows}


@pytest.mark.parametrize("route", SCOPE_ROUTES)
def test_scope_pages_and_exports_hold_only_the_users_units(client, session, province, route):
    verdict_mix(session, province)
    sign_in(client, "district")
    listed = listed_units(route, client.get(route + "?period=2026-07").data)
    assert {"H-01", "H-02"} <= listed
    assert not listed & {"D1", "D2", "P"}


def test_a_service_outside_the_choices_is_refused(client, province):
    sign_in(client, "district")
    response = client.get("/manage/?service=9.999999&period=2026-07")
    assert response.status_code == 200
    before_the_form = response.get_data(as_text=True).split("<main")[1].split("<form")[0]
    notices = re.findall(r"<p [^>]*data-notice>.*?</p>", before_the_form)
    assert len(notices) == 1 and "“9.999999”" in notices[0]  # said back once, as not understood
    assert "9.999999" not in before_the_form.replace(notices[0], "")
