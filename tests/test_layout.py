"""The shape of the code: layers import only downwards, test modules stand alone, files stay small."""

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
#: The layers of the survey package, lowest first; a module may import its own layer or lower ones.
LAYERS = (
    ("survey.config", "survey.db", "survey.models", "survey.periods"),
    ("survey.instruments",),
    ("survey.core",),
    ("survey.scores",),
    ("survey.notify",),
    ("survey.web", "survey.commands"),
    ("survey",),
)
#: The two entry-point layers never import each other.
APART = ("survey.web", "survey.commands")
MAX_LINES = 360


def module_name(path: Path) -> str:
    """Return the dotted module name of a file under the repository root."""
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def owner(module: str, groups) -> str | None:
    """Return the longest group prefix that owns a module."""
    found = [p for group in groups for p in group if module == p or module.startswith(p + ".")]
    return max(found, key=len, default=None)


def layer(module: str) -> int:
    """Return the layer number of a survey module."""
    prefix = owner(module, LAYERS)
    return next(n for n, group in enumerate(LAYERS) if prefix in group)


def imported(path: Path) -> set[str]:
    """Return every module a file imports (`from a import b` counts as a.b too: b may be a module)."""
    names = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            names.add(node.module)
            names.update(f"{node.module}.{alias.name}" for alias in node.names)
    return names


def known(module: str, package: str) -> bool:
    """Tell whether a dotted name is a module or package of the repository."""
    path = ROOT / Path(*module.split("."))
    return module.split(".")[0] == package and (path.with_suffix(".py").exists() or path.is_dir())


SURVEY = sorted((ROOT / "survey").rglob("*.py"))


@pytest.mark.parametrize("path", SURVEY, ids=lambda p: str(p.relative_to(ROOT)))
def test_survey_modules_import_only_their_layer_or_below(path):
    importer = module_name(path)
    wrong = []
    for name in imported(path):
        if not known(name, "survey") or name == "survey":
            continue
        if layer(name) > layer(importer):
            wrong.append(name)
        sides = {owner(importer, [APART]), owner(name, [APART])}
        if None not in sides and len(sides) == 2:
            wrong.append(name)
    assert wrong == [], f"{importer} imports from a layer above it or beside it: {sorted(wrong)}"


@pytest.mark.parametrize("package", ["scoring", "forms"])
def test_scoring_and_forms_do_not_import_the_app(package):
    for path in (ROOT / package).rglob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        guarded = {id(n) for node in ast.walk(tree) if isinstance(node, ast.If)
                   and "TYPE_CHECKING" in ast.unparse(node.test) for n in ast.walk(node)}
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom | ast.Import) and id(node) not in guarded:
                names = ([node.module or ""] if isinstance(node, ast.ImportFrom)
                         else [a.name for a in node.names])
                assert not any(n.split(".")[0] == "survey" for n in names), f"{path} imports the app"


def test_no_test_module_imports_another():
    for path in (ROOT / "tests").rglob("*.py"):
        others = {n for n in imported(path) if n.startswith(("tests.test_", "tests.conftest"))}
        assert others == set(), f"{path.name} imports {sorted(others)}: move shared code to tests/helpers.py"


def test_no_source_file_is_longer_than_the_limit():
    files = [*SURVEY, *(ROOT / "scoring").rglob("*.py"), *(ROOT / "forms").rglob("*.py"),
             *(ROOT / "tests").rglob("*.py")]
    long = {str(p.relative_to(ROOT)): n for p in files
            if (n := len(p.read_text(encoding="utf-8").splitlines())) > MAX_LINES}
    assert long == {}, f"split these files (at most {MAX_LINES} lines): {long}"
