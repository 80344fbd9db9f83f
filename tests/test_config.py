"""Configuration order, database URLs and the secret-key guard."""

import pytest
from flask import Flask
from sqlalchemy import text

from survey import config, create_app
from survey.config import ConfigurationError, normalise_database_url
from survey.db import get_engine


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ("postgres://u@h/db", "postgresql+psycopg://u@h/db"),
        ("postgresql://u@h/db", "postgresql+psycopg://u@h/db"),
        ("postgresql+psycopg://u@h/db", "postgresql+psycopg://u@h/db"),
        ("sqlite:////tmp/x.sqlite", "sqlite:////tmp/x.sqlite"),
    ],
)
def test_database_urls_are_normalised(given, expected):
    assert normalise_database_url(given) == expected


def test_default_database_is_sqlite_in_the_instance_folder(tmp_path, monkeypatch):
    monkeypatch.delenv("DATABASE_URL", raising=False)
    app = create_app({"TESTING": True, "SECRET_KEY": "x"})
    assert app.config["DATABASE_URL"].startswith("sqlite:///")
    assert app.config["DATABASE_URL"].endswith("instance/hailong.sqlite")


def test_database_url_from_the_environment_then_test_config(monkeypatch):
    monkeypatch.setenv("DATABASE_URL", "postgres://env@host/db")
    assert create_app({"TESTING": True}).config["DATABASE_URL"] == "postgresql+psycopg://env@host/db"
    app = create_app({"TESTING": True, "DATABASE_URL": "sqlite:////tmp/given.sqlite"})
    assert app.config["DATABASE_URL"] == "sqlite:////tmp/given.sqlite"


def test_flask_prefixed_environment_variables_are_read(monkeypatch):
    monkeypatch.setenv("FLASK_SCORING_TARGET", "0.85")
    assert create_app({"TESTING": True}).config["SCORING_TARGET"] == 0.85


def test_refuses_the_development_secret_key_in_production(monkeypatch):
    monkeypatch.setenv("FLASK_SECRET_KEY", "dev")
    monkeypatch.delenv("FLASK_DEBUG", raising=False)
    with pytest.raises(ConfigurationError, match="development SECRET_KEY"):
        create_app()
    assert create_app({"SECRET_KEY": "a-long-random-production-key"}).config["SESSION_COOKIE_SECURE"] is True


@pytest.mark.parametrize(
    ("key", "message"),
    [("", "SECRET_KEY is empty"), ("   ", "SECRET_KEY is empty"), (" dev", "development SECRET_KEY"),
     ("x", r"too short \(1 characters; at least 16"), ("short-key", "too short")],
)
def test_refuses_weak_secret_keys_outside_debug(tmp_path, key, message):
    app = Flask("survey", instance_path=str(tmp_path))
    with pytest.raises(ConfigurationError, match=message):
        config.load(app, {"SECRET_KEY": key})


def test_an_empty_key_is_refused_even_in_testing(tmp_path):
    with pytest.raises(ConfigurationError, match="SECRET_KEY is empty"):
        config.load(Flask("survey", instance_path=str(tmp_path)), {"SECRET_KEY": "", "TESTING": True})


def test_without_a_key_one_is_generated_once_into_the_instance_folder(tmp_path, monkeypatch):
    monkeypatch.delenv("FLASK_SECRET_KEY", raising=False)
    monkeypatch.delenv("FLASK_DEBUG", raising=False)
    first = Flask("survey", instance_path=str(tmp_path / "instance"))
    config.load(first, None)
    key_file = tmp_path / "instance" / "secret_key"
    assert key_file.stat().st_mode & 0o777 == 0o600
    key = first.config["SECRET_KEY"]
    assert len(key) == 64 and key_file.read_text().strip() == key
    second = Flask("survey", instance_path=str(tmp_path / "instance"))
    config.load(second, None)
    assert second.config["SECRET_KEY"] == first.config["SECRET_KEY"]  # sessions survive a restart


def test_sqlite_connections_use_wal_foreign_keys_and_a_busy_timeout(tmp_path):
    app = create_app({"TESTING": True, "DATABASE_URL": f"sqlite:///{tmp_path / 'p.sqlite'}"})
    with get_engine(app).connect() as connection:
        assert connection.execute(text("PRAGMA journal_mode")).scalar() == "wal"
        assert connection.execute(text("PRAGMA foreign_keys")).scalar() == 1
        assert connection.execute(text("PRAGMA busy_timeout")).scalar() == 10000
        assert connection.execute(text("PRAGMA synchronous")).scalar() == 2  # FULL


def test_the_app_refuses_to_start_with_catalogues_not_compiled(tmp_path):
    folder = tmp_path / "vi" / "LC_MESSAGES"
    folder.mkdir(parents=True)
    (folder / "respond.po").write_text('msgid "Send"\nmsgstr "Gửi"\n', encoding="utf-8")
    config = {"TESTING": True, "SECRET_KEY": "x", "BABEL_TRANSLATION_DIRECTORIES": str(tmp_path)}
    with pytest.raises(RuntimeError, match="translations are not compiled"):
        create_app(config)
    (folder / "messages.mo").write_bytes(b"")
    assert create_app(config).config["BABEL_TRANSLATION_DIRECTORIES"] == str(tmp_path)
