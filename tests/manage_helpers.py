"""Sign-in and the list of manager routes shared by the manage tests."""

import pytest
from argon2 import PasswordHasher

from survey.core import passwords
from tests.factories import PASSWORD

#: Every manager route that names a unit; "{code}" is replaced by a unit code.
UNIT_ROUTES = [
    "/manage/unit/{code}",
    "/manage/unit/{code}/report",
    "/manage/unit/{code}/funnel.svg",
    "/manage/unit/{code}/trend.svg",
    "/manage/unit/{code}/export.csv",
    "/manage/unit/{code}/export.xlsx",
]
#: Manager routes of the user's own scope (they take no unit).
SCOPE_ROUTES = ["/manage/", "/manage/export.csv", "/manage/export.xlsx"]


def sign_in(client, username: str) -> None:
    """Sign a test user in (CSRF is off in the test config)."""
    response = client.post("/login", data={"username": username, "password": PASSWORD})
    assert response.status_code == 303, response.data


@pytest.fixture(autouse=True)
def cheap_hashing(monkeypatch):
    """Hash test passwords with minimal argon2 cost: these tests sign in many times, not test hashing."""
    monkeypatch.setattr(passwords, "hasher", PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1))
