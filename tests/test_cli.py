"""The counters and create-user commands."""

import json

from sqlmodel import select

from survey.core.passwords import verify_password
from survey.models import User
from tests.helpers import events


def test_counters_lists_absolute_survey_urls_as_json(runner, province):
    result = runner.invoke(args=["counters", "--format", "json"])
    assert result.exit_code == 0, result.output
    rows = json.loads(result.output)
    assert len(rows) == 5
    first = rows[0]
    assert {"id", "unit", "name", "url"} <= set(first)
    assert first["unit"] == "D1" and first["name"] == "Quầy D1"
    assert first["url"] == "http://survey.test/c/token-d1-0123456789"


def test_counters_as_text(runner, province):
    result = runner.invoke(args=["counters"])
    assert "http://survey.test/c/token-h-01-0123456789" in result.output


def test_create_user_takes_the_password_from_the_environment(runner, province, session, monkeypatch):
    monkeypatch.setenv("HAILONG_PASSWORD", "a-good-password")
    result = runner.invoke(args=["create-user", "lan", "--role", "unit-manager", "--unit", "H"])
    assert result.exit_code == 0, result.output
    user = session.exec(select(User).where(User.username == "lan")).one()
    assert user.role == "unit-manager" and user.unit_id == province.units["H"].id
    assert verify_password(user.password_hash, "a-good-password")
    assert not verify_password(user.password_hash, "wrong")
    [event] = events(session, "create", "app_user")  # audited, by no signed-in user
    assert event.user_id is None and event.entity_id == user.id and "password" not in event.after


def test_create_user_prompts_when_no_environment_password(runner, province, monkeypatch):
    monkeypatch.delenv("HAILONG_PASSWORD", raising=False)
    result = runner.invoke(args=["create-user", "minh", "--role", "province-admin"],
                           input="long-enough-too\nlong-enough-too\n")
    assert result.exit_code == 0, result.output
    assert "Created province-admin minh" in result.output


def test_create_user_errors_are_clear(runner, province, monkeypatch):
    monkeypatch.setenv("HAILONG_PASSWORD", "a-good-password")
    unknown = runner.invoke(args=["create-user", "x", "--role", "viewer", "--unit", "NOPE"])
    assert unknown.exit_code == 2 and "no unit with code 'NOPE'" in unknown.output
    missing = runner.invoke(args=["create-user", "x", "--role", "viewer"])
    assert missing.exit_code == 2 and "need --unit" in missing.output
    taken = runner.invoke(args=["create-user", "admin", "--role", "province-admin"])
    assert taken.exit_code == 2 and "exists already" in taken.output
    monkeypatch.setenv("HAILONG_PASSWORD", "9-letters")  # the web form's rule: 10 at least
    short = runner.invoke(args=["create-user", "y", "--role", "province-admin"])
    assert short.exit_code == 2 and "use 10 to 200 characters" in short.output
