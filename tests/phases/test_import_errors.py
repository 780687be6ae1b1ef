"""A revision file that cannot be imported: one sentence (file, line, error) from every command."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from alembic_zdm.testing.project import make_project

BIN = Path(sys.executable).parent

GOOD = """
def upgrade():
    op.create_table("t", sa.Column("id", sa.Integer, primary_key=True))

def downgrade():
    op.drop_table("t")
"""

BROKEN = {
    "syntax": ("def expand(:\n    pass\n", "def expand(:", "SyntaxError: "),
    "import": (
        "import no_such_module_of_zdm_tests\n\ndef upgrade():\n    pass\n",
        "import no_such_module_of_zdm_tests",
        "ModuleNotFoundError: No module named 'no_such_module_of_zdm_tests'",
    ),
    "raise": (
        "def upgrade():\n    pass\n\nraise RuntimeError('settings not loaded')\n",
        "raise RuntimeError",
        "RuntimeError: settings not loaded",
    ),
}

COMMANDS = {
    "alembic upgrade": ["alembic", "upgrade", "head"],
    "alembic downgrade": ["alembic", "downgrade", "base"],
    "alembic current": ["alembic", "current"],
    "alembic history": ["alembic", "history"],
    "alembic-zdm upgrade": ["alembic-zdm", "upgrade"],
    "alembic-zdm status": ["alembic-zdm", "status"],
    "alembic-zdm downgrade": ["alembic-zdm", "downgrade", "base"],
    "alembic-zdm rollback": ["alembic-zdm", "rollback"],
    "alembic-zdm plan": ["alembic-zdm", "plan"],
    "alembic-zdm doctor": ["alembic-zdm", "doctor"],
}


def _project(root: Path, url: str, kind: str) -> tuple[str, int, str]:
    body, marker, error = BROKEN[kind]
    make_project(root, url, [("r1", GOOD), ("r2", body)])
    path = root / "migrations" / "versions" / "r2.py"
    line = next(i for i, text in enumerate(path.read_text().splitlines(), 1) if marker in text)
    return os.path.join("migrations", "versions", "r2.py"), line, error


def _run(root: Path, argv: list[str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(BIN / argv[0]), *argv[1:]],
        cwd=root,
        env=dict(os.environ),
        capture_output=True,
        text=True,
        timeout=120,
    )


@pytest.mark.parametrize("kind", sorted(BROKEN))
@pytest.mark.parametrize("command", sorted(COMMANDS))
def test_one_sentence_names_file_line_and_error(
    tmp_path: Path, sqlite_url: str, kind: str, command: str
) -> None:
    path, line, error = _project(tmp_path, sqlite_url, kind)
    done = _run(tmp_path, COMMANDS[command])
    output = done.stdout + done.stderr  # alembic prints FAILED: … on stdout
    assert done.returncode != 0
    assert "Traceback" not in output, output
    expected = f"Revision file {path} cannot be imported: line {line}: {error}"
    assert expected in output, output
    assert output.count("cannot be imported") == 1


@pytest.mark.parametrize(
    "argv",
    [
        ["alembic", "--raiseerr", "upgrade", "head"],
        ["alembic", "--raiseerr", "current"],
        ["alembic-zdm", "--raiseerr", "status"],
        ["alembic-zdm", "-v", "upgrade"],
    ],
)
def test_traceback_only_when_asked(tmp_path: Path, sqlite_url: str, argv: list[str]) -> None:
    _project(tmp_path, sqlite_url, "raise")
    done = _run(tmp_path, argv)
    assert done.returncode != 0
    assert "Traceback" in done.stderr
    assert "RuntimeError: settings not loaded" in done.stderr
