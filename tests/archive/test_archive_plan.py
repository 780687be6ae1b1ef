"""``alembic-zdm plan`` says what a contract will keep and how big it is, on the three
databases: one line per archive, rows from the catalog, bytes from the database."""

from __future__ import annotations

from pathlib import Path

import pytest
import sqlalchemy as sa
from alembic import command

from alembic_zdm.cli import main as zdm_main
from alembic_zdm.phases.plan import plan
from alembic_zdm.testing.project import make_project

from . import scenario


def _analyse(url: str) -> None:
    engine = sa.create_engine(url)
    with engine.begin() as conn:
        if conn.dialect.name == "postgresql":
            conn.exec_driver_sql("ANALYZE")
        elif conn.dialect.name in ("mysql", "mariadb"):
            conn.exec_driver_sql("ANALYZE TABLE users, old_sessions")
    engine.dispose()


@pytest.mark.parametrize("db", ["pg_url", "mysql_url", "sqlite_url"])
def test_plan_shows_what_contract_keeps(
    tmp_path: Path, db: str, request: pytest.FixtureRequest, capsys: pytest.CaptureFixture[str]
) -> None:
    url = request.getfixturevalue(db)
    cfg = make_project(tmp_path, url, [("setup", scenario.setup()), ("drop", scenario.drop())])
    command.upgrade(cfg, "zdm-phase:2")
    _analyse(url)
    (step,) = [s for s in plan(cfg).steps if s.phase == "contract"]
    legacy, sessions = step.keeps
    assert (legacy.kind, legacy.source, sessions.kind, sessions.source) == (
        "columns", "users.legacy", "table", "old_sessions",
    )  # fmt: skip
    assert legacy.columns == ("id", "legacy")
    # the estimates come from catalogs (InnoDB samples pages): within a factor of two
    assert scenario.ROWS / 2 <= (legacy.rows or 0) <= scenario.ROWS * 2
    assert scenario.ROWS / 6 <= (sessions.rows or 0) <= scenario.ROWS * 2 / 3
    # ids and 'v123 é' / 'eleven' / 'none': 4-8 bytes each, and the row overhead
    assert scenario.ROWS * 8 < (legacy.bytes or 0) < scenario.ROWS * 80
    assert (sessions.bytes or 0) >= 4096  # a page at least, indexes included
    assert legacy.archive.split(".")[-1].startswith("zdm_arch_users_legacy_")

    capsys.readouterr()
    assert zdm_main(["-c", str(tmp_path / "alembic.ini"), "plan"]) == 0
    out = [line.strip() for line in capsys.readouterr().out.splitlines()]
    keeps = [line for line in out if line.startswith(("keeps ", "moves "))]
    assert len(keeps) == 2, out
    assert keeps[0].startswith(f"keeps users.legacy (≈{legacy.rows:,} rows, ≈"), keeps
    assert keeps[0].endswith(f"into {legacy.archive}") and " kB)" in keeps[0]
    assert keeps[1].startswith(f"moves old_sessions (≈{sessions.rows:,} rows, ≈"), keeps


def test_plan_offline_names_the_archives_without_sizes(tmp_path: Path) -> None:
    """Not connected: what is kept is known, how big is not."""
    from alembic_zdm.archive.sizes import describe

    url = "postgresql+psycopg://postgres@127.0.0.1:1/nowhere"  # nothing listens on port 1
    cfg = make_project(tmp_path, url, [("setup", scenario.setup()), ("drop", scenario.drop())])
    report = plan(cfg)
    assert not report.connected
    (step,) = [s for s in report.steps if s.revision == "drop" and s.phase == "contract"]
    assert [describe(k).split(" (")[0] for k in step.keeps] == [
        "keeps users.legacy", "moves old_sessions",
    ]  # fmt: skip
    assert all("rows unknown, size unknown" in describe(k) for k in step.keeps)
