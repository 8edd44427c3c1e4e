"""The build step pyproject.toml cannot express: compile the gettext catalogs.

Every build (`pip install .`, `pip install -e .`, a wheel) turns
`bot/locale/<lang>/LC_MESSAGES/messages.po` into `messages.mo` with Babel, so the compiled
catalogs are never committed and never stale in an install. An editable install compiles them
next to the `.po` files (the source tree is what it imports); other builds into the build tree.
"""

from __future__ import annotations

from pathlib import Path

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from setuptools import setup
from setuptools.command.build_py import build_py

CATALOGS = "bot/locale/*/LC_MESSAGES/messages.po"


def compile_catalogs(source: Path, target: Path) -> list[Path]:
    """Compile every catalog under `source` to the same relative path under `target`."""
    written = []
    for po in sorted(source.glob(CATALOGS)):
        mo = target / po.relative_to(source).with_suffix(".mo")
        mo.parent.mkdir(parents=True, exist_ok=True)
        with po.open("rb") as infile:
            catalog = read_po(infile)
        with mo.open("wb") as outfile:
            write_mo(outfile, catalog)  # fuzzy entries are left out, as msgfmt does
        written.append(mo)
    return written


class BuildPyWithCatalogs(build_py):
    def run(self) -> None:
        super().run()
        root = Path(__file__).parent
        target = root if self.editable_mode else Path(self.build_lib)
        self.catalogs = compile_catalogs(root, target)

    def get_outputs(self, include_bytecode: bool = True) -> list[str]:
        return [*super().get_outputs(include_bytecode), *map(str, getattr(self, "catalogs", []))]


setup(cmdclass={"build_py": BuildPyWithCatalogs})
