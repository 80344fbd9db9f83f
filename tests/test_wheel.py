"""The wheel carries everything the app needs: built here, installed into a fresh virtual environment
outside the checkout, it migrates a database, seeds the demo and serves its pages."""

import json
import os
import shutil
import subprocess
import sys
import sysconfig
from pathlib import Path

import pytest

from tests.server import fetch, free_port, gunicorn

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parent.parent


def run(*command: str, cwd: Path, env: dict | None = None) -> str:
    """Run a command without PYTHONPATH (the checkout must not stand in for the installed package)."""
    env = {name: value for name, value in (env or os.environ).items() if name != "PYTHONPATH"}
    done = subprocess.run(command, cwd=cwd, env=env, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, f"{' '.join(command)}\n{done.stdout}\n{done.stderr}"
    return done.stdout


def source_copy(target: Path) -> Path:
    """Copy the files git knows of (tracked, or new and not ignored) to `target`: no stale build folder."""
    listed = run("git", "ls-files", "-z", "--cached", "--others", "--exclude-standard", cwd=ROOT)
    for name in filter(None, listed.split("\0")):
        if (ROOT / name).is_file():
            (target / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(ROOT / name, target / name)
    return target


@pytest.fixture(scope="module")
def installed(tmp_path_factory) -> tuple[Path, Path]:
    """Build the wheel and install it into a fresh venv; return (its python, a working folder)."""
    work = tmp_path_factory.mktemp("wheel")
    source = source_copy(work / "source")
    run(sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "--no-build-isolation", "--wheel-dir",
        str(work / "dist"), str(source), cwd=work)
    [wheel] = (work / "dist").glob("hailong-*.whl")
    run(sys.executable, "-m", "venv", "--without-pip", str(work / "venv"), cwd=work)
    python = work / "venv" / "bin" / "python"
    run(sys.executable, "-m", "pip", "--python", str(python), "install", "--quiet", "--no-deps", str(wheel),
        cwd=work)
    # The dependencies come from this environment's site-packages (a plain path: its .pth files,
    # among them the editable install of the checkout, are not read).
    site = run(str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])",
               cwd=work).strip()
    Path(site, "dependencies.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    return python, work


def package_files(python: Path, work: Path) -> set[str]:
    """Return the installed package's files (compiled bytecode aside)."""
    where = Path(run(str(python), "-c", "import survey; print(survey.__file__)", cwd=work).strip()).parent
    return {str(p.relative_to(where)) for p in where.rglob("*")
            if p.is_file() and "__pycache__" not in p.parts}


def test_the_wheel_holds_templates_static_files_instruments_migrations_and_compiled_catalogues(installed):
    python, work = installed
    files = package_files(python, work)
    for expected in ("templates/base.html", "templates/respond/survey.html", "static/kiosk.js",
                     "instruments/sipas-service.yaml", "migrations/env.py", "migrations/script.py.mako",
                     "translations/vi/LC_MESSAGES/messages.mo", "web/manage/views.py",
                     "scores/tally/fold.py"):
        assert expected in files
    assert str(work) in run(str(python), "-c", "import survey; print(survey.__file__)", cwd=work)


def test_the_installed_app_migrates_seeds_and_serves_without_writing_into_itself(installed):
    python, work = installed
    before = package_files(python, work)
    env = os.environ | {"DATABASE_URL": f"sqlite:///{work / 'hailong.sqlite'}",
                        "FLASK_SECRET_KEY": "a-long-random-test-secret-for-the-wheel",
                        "FLASK_PUBLIC_BASE_URL": "http://survey.test", "PYTHONDONTWRITEBYTECODE": "1"}
    flask = (str(python), "-m", "flask", "--app", "survey")
    assert "newest revision" in run(*flask, "init-db", cwd=work, env=env)
    run(*flask, "demo", "--responses", "300", cwd=work, env=env)
    counters = json.loads(run(*flask, "counters", "--format", "json", cwd=work, env=env))
    survey_path = counters[0]["url"].removeprefix("http://survey.test")
    port = free_port()
    with gunicorn(database_url=env["DATABASE_URL"], secret_key=env["FLASK_SECRET_KEY"], port=port,
                  python=str(python), cwd=str(work), env={"PYTHONDONTWRITEBYTECODE": "1", "PYTHONPATH": ""}):
        for path, text in (("/", "Hài Lòng"), ("/login", 'name="password"'),
                           (survey_path, "Rất hài lòng"), ("/static/kiosk.js", "localStorage")):
            status, body = fetch(port, path)
            assert status == 200, path
            assert text in body, path
    assert package_files(python, work) == before
