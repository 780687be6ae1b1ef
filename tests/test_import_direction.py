"""The package's import direction is one way: ``sql`` ← ``dialects`` ← ``ops``.

``dialects/`` knows each database (capabilities, timeouts, catalog queries, lock
errors) and nothing of the operations; ``ops/`` plans the operations and looks the
database up; ``sql/`` (statements, quoting) knows neither. CONTRIBUTING.md states the
rule; this test reads every module's imports (including ``TYPE_CHECKING`` and
function-local ones) so a new import the wrong way fails here, not in review.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "alembic_zdm"

FORBIDDEN = {
    "dialects": ("alembic_zdm.ops",),
    "sql": ("alembic_zdm.ops", "alembic_zdm.dialects"),
}
"""Folder of the package → the packages its modules must not import."""


def imported_modules(path: Path, root: Path = PACKAGE) -> list[tuple[int, str]]:
    """Every module *path* (inside package *root*) imports, relative imports resolved."""
    module = ".".join(path.relative_to(root.parent).with_suffix("").parts)
    package = (
        module.rsplit(".", 1)[0] if path.name != "__init__.py" else module[: -len(".__init__")]
    )
    found: list[tuple[int, str]] = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parts = package.split(".")
                anchor = ".".join(parts[: len(parts) - node.level + 1])
                base = f"{anchor}.{base}" if base else anchor
            found += [(node.lineno, f"{base}.{alias.name}") for alias in node.names]
            found.append((node.lineno, base))
    return found


def violations(folder: str, root: Path = PACKAGE) -> list[str]:
    """``file:line imports module`` for each import of *folder* against the rule."""
    out = []
    for path in sorted((root / folder).rglob("*.py")):
        for line, name in imported_modules(path, root):
            if any(name == bad or name.startswith(bad + ".") for bad in FORBIDDEN[folder]):
                out.append(f"{path.relative_to(root.parent)}:{line} imports {name}")
    return sorted(set(out))


@pytest.mark.parametrize("folder", sorted(FORBIDDEN))
def test_no_import_against_the_direction(folder: str) -> None:
    assert violations(folder) == []


def test_the_check_sees_a_wrong_import(tmp_path: Path) -> None:
    """The resolver itself: a relative ``from ..ops import x`` inside dialects/ is caught."""
    root = tmp_path / "alembic_zdm"
    (root / "dialects").mkdir(parents=True)
    (root / "dialects" / "probe.py").write_text(
        "import alembic_zdm.sql\n\ndef f():\n    from ..ops.indexes import AddIndexConcurrentlyOp\n"
    )
    assert violations("dialects", root) == [
        "alembic_zdm/dialects/probe.py:4 imports alembic_zdm.ops.indexes",
        "alembic_zdm/dialects/probe.py:4 imports alembic_zdm.ops.indexes.AddIndexConcurrentlyOp",
    ]
