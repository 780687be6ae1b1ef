"""Kill the runner at every statement of every op, on every database, and recover.

For each op of the catalog (DESIGN §4) and a plain ``op.add_column`` followed by a
concurrent index, on PostgreSQL, MariaDB and SQLite: every statement the runner
records, killed before and after it, recovered by ``rollback`` (→ the pre-revision
database) and by re-running ``upgrade head`` (→ the clean run's database, and back
with ``downgrade``). See ``harness.py``.

Under ``CI=true`` (``.ci/run``) and with ``ZDM_KILL_MATRIX=full`` the matrix kills at
every statement, both sides (about six minutes for the three databases on an idle
2-core machine: kill points that leave a state an earlier one left are recovered
once). Elsewhere ``make test`` kills each op at its middle statement only, for a
quick local run; ``ZDM_KILL_MATRIX=middle`` asks for that under CI too.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from .harness import FULL, kill_matrix
from .scenarios import SETUP, scenarios

DATABASES = {"postgresql": "pg_url", "mysql": "mysql_url", "sqlite": "sqlite_url"}
CASES = [(db, s) for db in DATABASES for s in scenarios(db)]


@pytest.mark.parametrize(
    ("db", "scenario"), CASES, ids=[f"{db}-{s.op.split(' ')[0]}" for db, s in CASES]
)
def test_kill_at_every_statement(
    db: str, scenario: object, tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    url = request.getfixturevalue(DATABASES[db])
    out = kill_matrix(
        tmp_path, url, SETUP, scenario.body,  # type: ignore[attr-defined]
        scenario.keeps_data_on_rollback, scenario.contract_undoable,  # type: ignore[attr-defined]
        full=FULL,
    )  # fmt: skip
    print(
        f"{db} {scenario.op}: {out.statements} statements, {out.points} kill points, "  # type: ignore[attr-defined]
        f"{out.distinct} distinct post-kill states, {out.reruns} re-runs, {out.rollbacks} rollbacks"
    )
    assert out.statements > 0
    assert not out.failures, "\n".join(out.failures[:8])
