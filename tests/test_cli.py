"""The counters and create-user commands."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from sqlmodel import select

from survey.core.passwords import verify_password
from survey.models import Dossier, User
from tests.factories import JULY, add_sipas
from tests.helpers import events

ROOT = Path(__file__).resolve().parent.parent


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


def test_tally_says_what_it_added_responses_and_dossiers_apart(runner, session, province):
    for number in range(2):  # dossier facts pushed by a one-stop system, no rating yet
        session.add(Dossier(unit_id=province.units["H-01"].id, dossier_hash=f"{number:064d}",
                            received_at=JULY))
    session.commit()
    dossiers_only = runner.invoke(args=["tally"])
    assert dossiers_only.exit_code == 0, dossiers_only.output
    assert "Added 0 responses and the facts of 2 dossiers to the tally in " in dossiers_only.output
    add_sipas(session, province, "D1", n=3, satisfied=2)
    assert "Added 3 responses and the facts of 0 dossiers" in runner.invoke(args=["tally"]).output
    assert "Added 0 responses and the facts of 0 dossiers" in runner.invoke(args=["tally"]).output
    rebuilt = runner.invoke(args=["tally", "--rebuild"]).output
    assert "Added 3 responses and the facts of 2 dossiers" in rebuilt


def flask_cli(*args: str, **env: str) -> subprocess.CompletedProcess:
    """Run `flask --app survey …` in a fresh process, as a user would."""
    environment = {key: value for key, value in os.environ.items() if not key.startswith("FLASK_")}
    environment |= {"PYTHONPATH": str(ROOT), **env}
    return subprocess.run([sys.executable, "-m", "flask", "--app", "survey", *args], env=environment,
                          capture_output=True, text=True, timeout=120, check=False)


@pytest.mark.slow
@pytest.mark.parametrize(
    ("env", "args", "message"),
    [
        ({"FLASK_SECRET_KEY": "dev"}, ("counters",), "Refusing to start with the development SECRET_KEY"),
        ({"FLASK_SECRET_KEY": "dev"}, ("--help",), "Refusing to start with the development SECRET_KEY"),
        ({"FLASK_SECRET_KEY": " "}, ("receipt", "--help"), "SECRET_KEY is empty"),
        ({"FLASK_SECRET_KEY": "a-long-random-production-key"}, ("counters",),
         "the database cannot answer (no such table: counter)"),
    ],
)
def test_cli_failures_are_one_clear_line(tmp_path, env, args, message):
    result = flask_cli(*args, DATABASE_URL=f"sqlite:///{tmp_path / 'empty.sqlite'}", **env)
    assert result.returncode != 0
    [line] = result.stderr.strip().splitlines()
    assert line.startswith("Error: ") and message in line
    assert "Traceback" not in result.stderr + result.stdout


@pytest.mark.slow
def test_cli_help_works_without_any_setting(tmp_path):
    result = flask_cli("receipt", "--help", DATABASE_URL=f"sqlite:///{tmp_path / 'x.sqlite'}")
    assert result.returncode == 0 and "Issue a receipt survey link" in result.stdout, result.stderr
