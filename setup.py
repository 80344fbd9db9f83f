"""Build hook: compile the translation catalogues into the package. The metadata lives in setup.cfg.

A wheel carries survey/translations/*/LC_MESSAGES/messages.mo compiled here, at build time (the
app never compiles at start, so it runs from a read-only install); an editable install, and
`python setup.py compile_catalogues` (what `make` runs), compile them in place in the checkout.
Each language's .po files (one per blueprint) merge into one messages.mo.
"""

from pathlib import Path

from setuptools import Command, setup
from setuptools.command.build_py import build_py

SOURCE = Path(__file__).resolve().parent / "survey" / "translations"


def compile_catalogues(source: Path, target: Path) -> list[Path]:
    """Merge each language's .po files under `source` into messages.mo under `target`; return the files."""
    from babel.messages.mofile import write_mo
    from babel.messages.pofile import read_po

    written = []
    for folder in sorted(source.glob("*/LC_MESSAGES")):
        merged = None
        for po_path in sorted(folder.glob("*.po")):
            with po_path.open("rb") as po_file:
                catalogue = read_po(po_file)
            if merged is None:
                merged = catalogue
                continue
            for message in catalogue:
                if message.id:
                    merged[message.id] = message
        if merged is None:
            continue
        mo_path = target / folder.relative_to(source) / "messages.mo"
        mo_path.parent.mkdir(parents=True, exist_ok=True)
        with mo_path.open("wb") as mo_file:
            write_mo(mo_file, merged)
        written.append(mo_path)
    return written


class BuildPy(build_py):
    """Copy the packages, then compile the catalogues beside them (in place for an editable install)."""

    def run(self):
        super().run()
        editable = getattr(self, "editable_mode", False)
        compile_catalogues(SOURCE, SOURCE if editable else Path(self.build_lib) / "survey" / "translations")


class CompileCatalogues(Command):
    """Compile the catalogues in place in the checkout."""

    description = "compile survey/translations/*/LC_MESSAGES/*.po into messages.mo in place"
    user_options: list = []

    def initialize_options(self):
        pass

    def finalize_options(self):
        pass

    def run(self):
        for path in compile_catalogues(SOURCE, SOURCE):
            print(f"compiled {path}")


setup(cmdclass={"build_py": BuildPy, "compile_catalogues": CompileCatalogues})
