"""The Alembic revisions build the schema the models describe, on SQLite and PostgreSQL."""

import re

import numpy as np
import pytest
from alembic.script import ScriptDirectory
from sqlalchemy import create_engine, inspect, text

from survey.commands import migrate
from tests.helpers import postgres_url, worker_schema_url


def upgrade_and_check(engine) -> None:
    migrate.upgrade(engine)
    migrate.check(engine)  # raises when models and revisions differ
    tables = set(inspect(engine).get_table_names())
    assert {"unit", "counter", "response", "answer", "app_user", "audit_event", "alembic_version"} <= tables


def test_upgrade_to_head_and_check_on_sqlite(tmp_path):
    engine = create_engine(f"sqlite:///{tmp_path / 'm.sqlite'}")
    upgrade_and_check(engine)
    engine.dispose()


def test_upgrade_to_head_and_check_on_postgresql(worker_id):
    url = postgres_url()
    if url is None:
        pytest.skip("TEST_DATABASE_URL is not set: the PostgreSQL pass of CI runs this")
    schema = f"migrate_{worker_id}"
    admin = create_engine(url)
    with admin.begin() as connection:
        connection.execute(text(f"DROP SCHEMA IF EXISTS {schema} CASCADE"))
        connection.execute(text(f"CREATE SCHEMA {schema}"))
    engine = create_engine(worker_schema_url(url, worker_id).replace(f"test_{worker_id}", schema))
    try:
        upgrade_and_check(engine)
    finally:
        engine.dispose()
        with admin.begin() as connection:
            connection.execute(text(f"DROP SCHEMA {schema} CASCADE"))
        admin.dispose()


def test_init_db_command_upgrades_an_empty_database(tmp_path):
    from survey import create_app

    url = f"sqlite:///{tmp_path / 'fresh.sqlite'}"
    app = create_app({"TESTING": True, "DATABASE_URL": url})
    result = app.test_cli_runner().invoke(args=["init-db"])
    assert result.exit_code == 0, result.output
    assert "newest revision" in result.output
    engine = create_engine(url)
    with engine.connect() as connection:
        assert connection.execute(text("SELECT count(*) FROM alembic_version")).scalar() == 1
    engine.dispose()


def test_a_database_with_districts_keeps_working_and_counters_get_short_codes(tmp_path):
    engine = create_engine(f"sqlite:///{tmp_path / 'old.sqlite'}")
    migrate.upgrade(engine, "d9e3f4a5b6c7")
    with engine.begin() as connection:
        connection.execute(text(
            "INSERT INTO unit (id, code, name, kind, parent_id, path, active, created_at) VALUES "
            "(1, 'NA', 'Tỉnh Nghệ An', 'province', NULL, '/1/', 1, '2025-01-01'),"
            "(2, 'HTC', 'Huyện Thanh Chương', 'district', 1, '/1/2/', 1, '2025-01-01'),"
            "(3, 'HTC-01', 'Xã Thanh Tùng', 'commune', 2, '/1/2/3/', 1, '2025-01-01')"))
        for number, unit in enumerate((2, 3, 3), start=1):
            connection.execute(text(
                "INSERT INTO counter (unit_id, name, token, instrument_code, active, created_at) "
                f"VALUES ({unit}, 'Quầy {number}', 'token-{number}', 'sipas-service', 1, '2025-01-01')"))
    migrate.upgrade(engine)
    with engine.begin() as connection:
        kinds = connection.execute(text("SELECT code, kind FROM unit ORDER BY id")).all()
        codes = connection.execute(text("SELECT short_code FROM counter")).scalars().all()
        connection.execute(text(
            "INSERT INTO unit (code, name, kind, parent_id, path, active, created_at) "
            "VALUES ('P-01', 'Phường Trường Vinh', 'ward', 1, '/1/9/', 1, '2025-07-01')"))
    assert kinds == [("NA", "province"), ("HTC", "district"), ("HTC-01", "commune")]
    assert len(set(codes)) == 3 and all(re.fullmatch(r"[A-HJ-NP-Z2-9]{6}", code) for code in codes)
    engine.dispose()


def test_tally_groups_stored_before_option_counts_are_counted_again(tmp_path):
    """Groups stored in the layout without multi-choice option counts are recounted on upgrade."""
    from survey import create_app
    from survey.commands import demo
    from survey.db import get_engine
    from survey.instruments.catalogue import definition
    from survey.scores import tally

    url = f"sqlite:///{tmp_path / 'old-tally.sqlite'}"
    app = create_app({"TESTING": True, "DATABASE_URL": url})
    with app.app_context():
        engine = get_engine()
        migrate.upgrade(engine)
        demo.seed(engine, responses=3_000, seed=7)
        stored = "SELECT grain, instrument_id, unit_id, part_id, month, channel, suspicious, sums FROM tally"
        with engine.begin() as connection:
            expected = sorted(connection.execute(text(stored)).all())
            quick = connection.execute(
                text("SELECT id, definition FROM instrument WHERE code = 'quick-3'")).one()
            layout = tally.Layout.of(definition(quick.id, quick.definition))
            assert layout.ticked, "the kiosk rating has a multi-choice item"
            # What the revision before stored: the same vector without the option counts.
            rows = connection.execute(text(f"SELECT id, sums FROM tally WHERE instrument_id = {quick.id} "
                                           "AND grain IN ('counter', 'service')")).all()
            options = slice(layout.ticked_at, layout.totals_at)
            assert any(tally.decode(row.sums, layout.width)[options].any() for row in rows)
            for row in rows:
                vector = tally.decode(row.sums, layout.width)
                old = np.concatenate([vector[:layout.ticked_at], vector[layout.totals_at:]])
                connection.execute(text("UPDATE tally SET sums = :s WHERE id = :i"),
                                   {"s": tally.encode(old), "i": row.id})
            # Nor had it the unit grain and its marker (later revisions add them).
            connection.execute(text("DELETE FROM tally WHERE grain = 'unit'"))
            connection.execute(text("DROP TABLE tally_unready"))
            connection.execute(text("UPDATE alembic_version SET version_num = 'a7c3e9f1b2d4'"))
        migrate.upgrade(engine)
        with engine.connect() as connection:
            queued = connection.execute(text("SELECT count(*) FROM tally_pending")).scalar()
            kiosk = connection.execute(text("SELECT count(*) FROM response WHERE instrument_id = :i"),
                                       {"i": quick.id}).scalar()
        assert queued == kiosk > 0  # only the multi-choice instrument's responses are counted again
        tally.fold(engine)
        tally.derive(engine)
        with engine.connect() as connection:
            assert sorted(connection.execute(text(stored)).all()) == expected
        engine.dispose()


def test_a_revision_that_rebuilds_the_unit_table_upgrades_a_sqlite_database_with_data(tmp_path):
    """SQLite rebuilds a table to change its CHECK; rows referring to its units must not stop that."""
    from survey import create_app
    from survey.commands import demo
    from survey.db import get_engine

    app = create_app({"TESTING": True, "DATABASE_URL": f"sqlite:///{tmp_path / 'old.sqlite'}"})
    with app.app_context():
        engine = get_engine()
        migrate.upgrade(engine)
        demo.seed(engine, responses=200, seed=3)
        with engine.begin() as connection:
            units = connection.execute(text("SELECT count(*) FROM unit")).scalar()
            responses = connection.execute(text("SELECT count(*) FROM response")).scalar()
            # Back to before the "nation" kind: the next upgrade rebuilds the unit table.
            connection.execute(text("DROP TABLE tally_unready"))
            connection.execute(text("UPDATE alembic_version SET version_num = 'f3c5a8e1b2d4'"))
        migrate.upgrade(engine)
        with engine.connect() as connection:
            head = ScriptDirectory.from_config(migrate.alembic_config(engine)).get_current_head()
            assert connection.execute(text("SELECT version_num FROM alembic_version")).scalar() == head
            assert connection.execute(text("SELECT count(*) FROM unit")).scalar() == units > 0
            assert connection.execute(text("SELECT count(*) FROM response")).scalar() == responses > 0
            assert connection.exec_driver_sql("PRAGMA foreign_key_check").all() == []
            # Enforcement is back on for the pooled connection.
            assert connection.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
        engine.dispose()
