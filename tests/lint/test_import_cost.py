"""The plugin path never loads the linter (it runs on every ``import alembic``)."""

from __future__ import annotations

import subprocess
import sys


def test_plugin_import_does_not_load_the_linter() -> None:
    code = (
        "import sys, alembic, alembic_zdm.plugin, alembic_zdm.ops\n"
        "print(sorted(m for m in sys.modules if m.startswith('alembic_zdm.lint') or m in ('pglast', 'sqlglot')))"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "[]"


def test_linter_core_loads_no_sql_parser_for_op_only_files() -> None:
    code = (
        "import sys\n"
        "from alembic_zdm.lint import api\n"
        'api.lint_source(\'revision = "x"\\nfrom alembic import op\\ndef upgrade():\\n    op.drop_table("t")\\n\')\n'
        "print('pglast' in sys.modules, 'sqlglot' in sys.modules)"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "False False"


def test_lint_command_loads_neither_alembic_nor_sqlalchemy(tmp_path) -> None:  # type: ignore[no-untyped-def]
    revision = tmp_path / "a1_add.py"
    revision.write_text(
        'revision = "a1"\ndown_revision = None\nfrom alembic import op\n'
        'def upgrade():\n    op.create_index("ix", "t", ["a"])\n'
    )
    code = (
        "import sys\n"
        "from alembic_zdm.cli import main\n"
        f"rc = main(['lint', {str(revision)!r}, '--no-cache', '--format', 'json', '-o', '/dev/null'])\n"
        "print(rc, 'alembic' in sys.modules, 'sqlalchemy' in sys.modules)"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=tmp_path
    )
    assert done.stdout.strip() == "1 False False"
