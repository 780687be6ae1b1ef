"""The column swap of a type change, killed at every statement, on a column with more to
move than the kill matrix's ``score``: a default and NOT NULL (``amount``), an index
(``name``).

A re-run after the swap committed (MySQL/MariaDB commit each DDL statement) finds the
replacement under the column's name; it must still move the default, the NOT NULL and
the index names the first attempt saw. Under ``CI=true`` and with ``ZDM_KILL_MATRIX=full``
it kills at every statement, else at the middle one (see ``test_kill_matrix.py``).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from .harness import FULL, kill_matrix
from .scenarios import SETUP

DATABASES = {"postgresql": "pg_url", "mysql": "mysql_url", "sqlite": "sqlite_url"}
BODIES = {
    "default-not-null": """
def expand():
    op.safe_change_column_type("t", "amount", sa.BigInteger(), existing_type=sa.Integer())
""",
    "indexed": """
def expand():
    op.safe_change_column_type("t", "name", sa.String(80), existing_type=sa.String(50))
""",
}


@pytest.mark.parametrize("body", sorted(BODIES))
@pytest.mark.parametrize("db", sorted(DATABASES))
def test_swap_killed_at_every_statement(
    db: str, body: str, tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    url = request.getfixturevalue(DATABASES[db])
    out = kill_matrix(tmp_path, url, SETUP, BODIES[body], full=FULL)
    print(
        f"{db} {body}: {out.statements} statements, {out.points} kill points, "
        f"{out.distinct} distinct post-kill states, {out.reruns} re-runs, "
        f"{out.rollbacks} rollbacks"
    )
    assert out.statements > 0
    assert not out.failures, "\n".join(out.failures[:8])
