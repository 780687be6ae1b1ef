"""Kill the *undo* at every statement: ``alembic downgrade`` of a completed revision whose
contract archived data (a dropped column, a dropped table, a split, a type change),
killed before and after each statement it records, then run again.

The second downgrade must finish and leave the database equal to the one before the
revision — schema and data, the archived values back (``harness.snapshot``). Under ``CI=true``
and with ``ZDM_KILL_MATRIX=full`` every statement, both sides; else the middle one.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from alembic import command

from alembic_zdm.phases.progress import SimulatedKill, arm_kill, statements_seen
from alembic_zdm.testing.project import make_project

from .harness import FULL, Outcome, _reset, _same, kill_points, snapshot
from .scenarios import SETUP, scenarios

DATABASES = {"postgresql": "pg_url", "mysql": "mysql_url", "sqlite": "sqlite_url"}
ARCHIVING = ("safe_drop_column", "safe_drop_table", "split_column", "safe_change_column_type")
CASES = [
    pytest.param(db, s, id=f"{db}-{s.op}")
    for db in DATABASES for s in scenarios(db) if s.op in ARCHIVING
]  # fmt: skip


@pytest.mark.parametrize(("db", "scenario"), CASES)
def test_a_killed_downgrade_runs_again_to_the_database_before(
    db: str, scenario: object, tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    url = request.getfixturevalue(DATABASES[db])
    cfg = make_project(tmp_path, url, [("setup", SETUP), ("op", scenario.body)])  # type: ignore[attr-defined]
    cfg.attributes["configure_logger"] = False
    command.upgrade(cfg, "setup")
    pre = snapshot(url)
    command.upgrade(cfg, "head")
    arm_kill(0)
    command.downgrade(cfg, "setup")
    out = Outcome(statements=statements_seen())
    assert out.statements > 0
    assert _same(out, "clean downgrade", snapshot(url), pre), out.failures
    for k, when in kill_points(out.statements, FULL):
        out.points += 1
        where = f"downgrade killed {when} statement {k} of {out.statements}"
        command.upgrade(cfg, "head")
        arm_kill(k, when)
        try:
            command.downgrade(cfg, "setup")
            out.failures.append(f"{where}: the downgrade did not reach that statement")
            continue
        except SimulatedKill:
            pass
        finally:
            arm_kill(0)
        try:
            command.downgrade(cfg, "setup")
        except Exception as exc:
            out.failures.append(
                f"{where}, then downgrade again: raised {type(exc).__name__}: {exc}"
            )
            _reset(cfg, url)
            continue
        out.reruns += 1
        if not _same(out, f"{where}, then downgrade again", snapshot(url), pre):
            _reset(cfg, url)
    print(f"{db} {scenario.op}: undo of {out.statements} statements, {out.points} kill points")  # type: ignore[attr-defined]
    assert not out.failures, "\n".join(out.failures[:8])
