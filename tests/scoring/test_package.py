import doctest
import importlib
import subprocess
import sys
from pathlib import Path

import pytest

import scoring

ROOT = Path(__file__).resolve().parents[2]
MODULES = ["intervals", "instrument", "moments", "index", "scores", "targets", "monitoring", "bootstrap",
           "dossier", "change"]


def test_import_scoring_does_not_import_flask_or_a_database():
    code = "import sys, scoring; print(' '.join(sorted(m for m in sys.modules if m.split('.')[0] in "
    code += "{'flask', 'sqlalchemy', 'sqlmodel', 'yaml', 'werkzeug', 'jinja2'})))"
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True)
    assert done.stdout.strip() == ""


def test_only_numpy_pandas_scipy_and_the_standard_library():
    allowed = {"numpy", "pandas", "scipy", "scoring"} | set(sys.stdlib_module_names)
    for path in (ROOT / "scoring").glob("*.py"):
        for line in path.read_text(encoding="utf-8").splitlines():
            words = line.split()
            if line.startswith(("import ", "from ")) and not words[1].startswith("."):
                assert words[1].split(".")[0] in allowed, f"{path.name}: {line}"


def test_public_api_is_exported():
    for name in scoring.__all__:
        assert hasattr(scoring, name), name


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples_run(name):
    module = importlib.import_module(f"scoring.{name}")
    result = doctest.testmod(module, optionflags=doctest.NORMALIZE_WHITESPACE)
    assert result.attempted > 0 and result.failed == 0
