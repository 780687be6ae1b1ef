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
