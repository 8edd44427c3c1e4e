"""The core stays platform-free: importing every bot/ module loads no chat SDK."""

import ast
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_core_imports_no_platform_sdk() -> None:
    modules = sorted(
        ".".join(path.relative_to(ROOT).with_suffix("").parts)
        for path in (ROOT / "bot").rglob("*.py")
        if path.name != "__main__.py"
    )
    code = (
        "import importlib, sys\n"
        f"for name in {modules!r}: importlib.import_module(name)\n"
        "print(sorted({m.split('.')[0] for m in sys.modules} & {'slack_bolt', 'slack_sdk', 'discord'}))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "[]"


def _imports(path: Path) -> set[str]:
    """The modules a file imports (at any depth: lazy imports inside functions count)."""
    tree = ast.parse(path.read_text("utf-8"))
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            found.add(node.module)
    return found


def test_only_the_composition_root_reaches_into_adapters() -> None:
    reaching = sorted(
        str(path.relative_to(ROOT))
        for path in (ROOT / "bot").rglob("*.py")
        if any(m == "adapters" or m.startswith("adapters.") for m in _imports(path))
    )
    assert reaching == ["bot/app.py"]


def test_commands_never_import_the_app() -> None:
    """Commands receive `Services` (the narrow parts they use): no cycle with bot/app.py."""
    for path in (ROOT / "bot" / "commands").rglob("*.py"):
        assert "bot.app" not in _imports(path), path.name
