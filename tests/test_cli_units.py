"""Every command option naming a unit matches its code in any case, as the administration compares codes."""

import pytest
from sqlmodel import select

from survey.core.units import add_unit
from survey.models import Dossier, UnitKind, User

CSV = "Mã hồ sơ;Mã đơn vị;Ngày tiếp nhận\nH01-0001;H-01;2026-10-01 08:00\n"

#: Each command with a --unit option, its arguments ("{code}" is the code given, "{file}" a CSV).
COMMANDS = {
    "scores": ["scores", "--unit", "{code}", "--period", "2026-07", "--format", "json"],
    "create-user": ["create-user", "lan", "--role", "viewer", "--unit", "{code}"],
    "receipt": ["receipt", "--unit", "{code}", "--service", "1.001193", "--dossier", "HS-1"],
    "import dossiers": ["import", "dossiers", "{file}", "--unit", "{code}"],
}


def invoke(runner, tmp_path, command: str, code: str):
    """Run a command with a unit code, a CSV of one H-01 dossier at hand."""
    path = tmp_path / "dossiers.csv"
    path.write_text(CSV, encoding="utf-8")
    return runner.invoke(args=[arg.format(code=code, file=path) for arg in COMMANDS[command]])


@pytest.fixture(autouse=True)
def password(monkeypatch):
    """Give create-user its password without a prompt."""
    monkeypatch.setenv("HAILONG_PASSWORD", "a-good-password")


@pytest.mark.parametrize("command", list(COMMANDS))
def test_a_unit_code_in_any_case_finds_the_unit(runner, session, province, tmp_path, command):
    result = invoke(runner, tmp_path, command, "h-01")
    assert result.exit_code == 0, result.output
    session.rollback()  # see what the command committed
    h01 = province.units["H-01"].id
    if command == "scores":
        assert '"code": "H-01"' in result.output
    elif command == "create-user":
        assert "Created viewer lan for H-01" in result.output
        assert session.exec(select(User.unit_id).where(User.username == "lan")).one() == h01
    else:  # a receipt or an import stores the dossier in the unit
        assert session.exec(select(Dossier.unit_id)).one() == h01


@pytest.mark.parametrize("command", list(COMMANDS))
def test_codes_that_differ_only_by_case_are_named_not_guessed(runner, session, province, tmp_path, command):
    # Stored before the administration kept codes in capitals: which one is meant cannot be told.
    add_unit(session, "h-01", "Xã cũ", UnitKind.COMMUNE, province.units["H"])
    session.commit()
    for code in ("H-01", "h-01"):
        result = invoke(runner, tmp_path, command, code)
        assert result.exit_code == 2, result.output
        assert "'H-01' and 'h-01' differ only by case" in result.output
    session.rollback()
    assert session.exec(select(User).where(User.username == "lan")).first() is None
    assert session.exec(select(Dossier)).first() is None


def test_an_unknown_code_is_still_refused(runner, province, tmp_path):
    result = invoke(runner, tmp_path, "scores", "nope")
    assert result.exit_code == 2 and "no unit with code 'nope'" in result.output
