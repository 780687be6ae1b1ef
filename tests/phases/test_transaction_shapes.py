"""Transaction shapes of real env.py files and revisions, with the plugin and without.

Each case builds one project (tables, a revision that manages the transaction itself, a
phased revision) with one env.py shape, runs it with the plugin ``zdm-phase:1 → :2 → head
→ downgrade base`` and compares the catalog after ``head`` and after ``downgrade base``
with stock Alembic's (a separate interpreter in which the plugin's entry point is hidden).

Stock Alembic is not always right: with SQLAlchemy 2, a revision that commits by itself
under an env.py without ``transaction_per_migration`` leaves Alembic's transaction object
stale, and everything after the commit (the rest of the run and its version-table moves)
is rolled back when the connection closes, silently. For those cases the reference is
stock Alembic on the same revisions with ``transaction_per_migration=True`` (where it is
right), and the test also shows stock's loss, so the claim stays checked.
"""

from __future__ import annotations

import dataclasses
import io
import json
import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from alembic import command
from alembic.config import Config
from sqlalchemy import create_engine, text

from alembic_zdm.testing.databases import create_database, drop_database
from alembic_zdm.testing.project import make_project

from .catalog import snapshot
from .shapes import ENVS, shape_revisions

ROOT = Path(__file__).resolve().parents[2]
REFERENCE_ENV = "per_migration"
COMMITTING = ("commit_then_autocommit", "autocommit_then_commit", "commit_batches")


@dataclasses.dataclass(frozen=True)
class StockRun:
    """Stock Alembic's ``upgrade head`` + ``downgrade base`` of one project."""

    error: str | None
    snapshots: list[Any]


def _project(root: Path, url: str, env: str, revision: str) -> Config:
    cfg = make_project(root, url, shape_revisions(revision))
    (root / "migrations" / "env.py").write_text(ENVS[env])
    return cfg


def run_stock(inis: list[Path]) -> list[StockRun]:
    """Run every project with stock Alembic (plugin hidden) in one fresh interpreter."""
    proc = subprocess.run(
        [sys.executable, "-m", "tests.phases.catalog", *map(str, inis)],
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        capture_output=True,
        text=True,
        timeout=1200,
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    found = [json.loads(line) for line in proc.stdout.splitlines() if line.startswith("{")]
    assert [f["ini"] for f in found] == [str(i) for i in inis], proc.stderr[-3000:]
    return [StockRun(f["error"], f["snapshots"]) for f in found]


class Stock:
    """Stock Alembic's results for the cases of one database kind, computed in one batch."""

    def __init__(self, cases: list[tuple[str, str]], new_url: Any, root: Path) -> None:
        self.cases = sorted(set(cases) | {(REFERENCE_ENV, rev) for _, rev in cases})
        self.new_url = new_url
        self.root = root
        self.runs: dict[tuple[str, str], StockRun] | None = None

    def __call__(self, env: str, revision: str) -> StockRun:
        if self.runs is None:
            inis, urls = [], []
            for i, (e, rev) in enumerate(self.cases):
                url = self.new_url(i)
                urls.append(url)
                _project(self.root / f"{e}-{rev}", url, e, rev)
                inis.append(self.root / f"{e}-{rev}" / "alembic.ini")
            try:
                self.runs = dict(zip(self.cases, run_stock(inis), strict=True))
            finally:
                for url in urls:
                    if not url.startswith("sqlite"):
                        drop_database(url)
        return self.runs[(env, revision)]

    def reference(self, revision: str) -> list[Any]:
        """Stock Alembic where it is right: the same revisions, ``transaction_per_migration``."""
        ref = self(REFERENCE_ENV, revision)
        assert ref.error is None, ref.error
        return ref.snapshots


def statuses(url: str) -> dict[tuple[str, int], str]:
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            rows = conn.execute(text("SELECT revision, phase, status FROM alembic_zdm_state"))
            return {(r[0], r[1]): r[2] for r in rows}
    finally:
        engine.dispose()


def run_with_plugin(cfg: Config, url: str) -> list[Any]:
    """``zdm-phase:1 → :2 → head → downgrade base``; the catalog after head and after base."""
    command.upgrade(cfg, "zdm-phase:1")
    after_expand = snapshot(url)
    assert after_expand["version"] == ["t2shape"]  # the phased revision is not complete yet
    assert "email_lower" in [c[0] for c in after_expand["tables"]["accounts"]["columns"]]
    assert statuses(url)[("t2shape", 1)] == "done"
    command.upgrade(cfg, "zdm-phase:2")
    assert statuses(url)[("t3phased", 2)] == "done"
    command.upgrade(cfg, "head")
    at_head = snapshot(url)
    assert "running" not in statuses(url).values()
    command.downgrade(cfg, "base")
    at_base = snapshot(url)
    assert "running" not in statuses(url).values()
    return [at_head, at_base]


# --- PostgreSQL: env.py shapes where stock Alembic gets it right ---------------------

PG_SAME_AS_STOCK = [
    ("per_migration", "commit_then_autocommit"),
    ("per_migration", "autocommit_then_commit"),
    ("per_migration", "commit_batches"),
    ("per_migration", "execute_commit"),
    ("per_migration", "rollback_after_probe"),
    ("autobegun_with_lock", "commit_then_autocommit"),
    ("autobegun_with_lock", "commit_batches"),
    ("autobegun_with_lock", "execute_commit"),
    ("autobegun_with_lock", "rollback_after_probe"),
    ("template", "execute_commit"),
    ("nested_begin", "execute_commit"),
    ("xact_lock", "execute_commit"),
    ("async", "execute_commit"),
    ("own_transaction", "execute_commit"),
    ("engine_begin", "execute_commit"),
    ("own_transaction", "plain"),
    ("async_begin", "plain"),
]


PG_STOCK_WRONG = [
    ("template", "commit_then_autocommit"),
    ("template", "commit_batches"),
    ("template", "rollback_after_probe"),
    ("nested_begin", "autocommit_then_commit"),
    ("xact_lock", "commit_then_autocommit"),
    ("async", "commit_then_autocommit"),
    ("async", "rollback_after_probe"),
    ("autobegun_with_lock", "autocommit_then_commit"),
]


@pytest.fixture(scope="module")
def pg_stock(pg_server_url: str, tmp_path_factory: pytest.TempPathFactory) -> Stock:
    return Stock(
        PG_SAME_AS_STOCK + PG_STOCK_WRONG,
        lambda i: create_database(pg_server_url),
        tmp_path_factory.mktemp("pg-stock"),
    )


@pytest.mark.parametrize(("env", "revision"), PG_SAME_AS_STOCK, ids=lambda v: str(v))
def test_postgresql_shape_equals_stock_alembic(
    tmp_path: Path, pg_url: str, pg_stock: Stock, env: str, revision: str
) -> None:
    plugin = run_with_plugin(_project(tmp_path, pg_url, env, revision), pg_url)
    found = pg_stock(env, revision)
    assert found.error is None, found.error
    assert plugin == found.snapshots
    assert plugin == pg_stock.reference(revision)


# --- PostgreSQL: shapes where stock Alembic loses work or stops -----------------------


@pytest.mark.parametrize(("env", "revision"), PG_STOCK_WRONG, ids=lambda v: str(v))
def test_postgresql_shape_where_stock_alembic_goes_wrong(
    tmp_path: Path, pg_url: str, pg_stock: Stock, env: str, revision: str
) -> None:
    plugin = run_with_plugin(_project(tmp_path, pg_url, env, revision), pg_url)
    assert plugin == pg_stock.reference(revision)
    # stock either stopped (autocommit_block() asserts in an auto-begun transaction) or
    # finished with everything after the revision's commit silently rolled back
    found = pg_stock(env, revision)
    if found.error is None:
        assert found.snapshots[0]["version"] == ["t1base"]
        assert found.snapshots != plugin
    else:
        assert "AssertionError" in found.error


# --- PostgreSQL: env.py holds its own transaction block --------------------------------


@pytest.mark.parametrize("env", ["own_transaction", "engine_begin", "async_begin"])
@pytest.mark.parametrize("revision", ["commit_then_autocommit", "autocommit_then_commit"])
def test_revision_that_leaves_the_callers_block_is_refused_with_nothing_committed(
    tmp_path: Path, pg_url: str, env: str, revision: str
) -> None:
    cfg = _project(tmp_path, pg_url, env, revision)
    with pytest.raises(Exception) as err:
        command.upgrade(cfg, "zdm-phase:1")
    message = str(err.value)
    assert "expand of t2shape" in message
    assert "with connection.begin():" in message
    assert "nothing of this run is committed" in message
    assert len(message.splitlines()) == 1
    # true: the tables of t1base, the state table and the version table are all absent
    assert snapshot(pg_url)["tables"] == {}


# --- --sql renders every shape --------------------------------------------------------

SQL_REVISIONS = [
    "commit_then_autocommit",
    "autocommit_then_commit",
    "commit_batches",
    "execute_commit",
    "rollback_after_probe",
    "plain",
]


@pytest.mark.parametrize("revision", SQL_REVISIONS)
@pytest.mark.parametrize("env", ["per_migration", "autobegun_with_lock", "own_transaction"])
def test_offline_script_renders(tmp_path: Path, env: str, revision: str) -> None:
    url = "postgresql+psycopg://nobody@localhost/offline"
    cfg = _project(tmp_path, url, env, revision)
    outputs = []
    for target in ("zdm-phase:1", "zdm-phase:2", "head"):
        cfg.output_buffer = io.StringIO()
        command.upgrade(cfg, target, sql=True)
        outputs.append(cfg.output_buffer.getvalue())
    cfg.output_buffer = io.StringIO()
    command.downgrade(cfg, "t3phased:base", sql=True)
    outputs.append(cfg.output_buffer.getvalue())
    expand, _, _, down = outputs
    assert "CREATE TABLE accounts" in expand
    assert "ALTER TABLE accounts ADD COLUMN email_lower" in expand
    assert "DROP TABLE accounts" in down
    if revision in COMMITTING + ("rollback_after_probe",):
        # the revision's own commit is in the script, and a transaction opens after it
        start = expand.index("running expand of t2shape")
        section = expand[start : expand.index("running expand of t3phased")]
        assert re.search(r"COMMIT;\s*BEGIN;", section), section


# --- SQLite and MariaDB: the shapes that exist there ---------------------------------

OTHER_DB_CASES = [
    ("template", "commit_then_autocommit"),
    ("template", "commit_batches"),
    ("per_migration", "commit_then_autocommit"),
    ("per_migration", "commit_batches"),
    ("per_migration", "rollback_after_probe"),
]


@pytest.fixture(scope="module")
def mysql_stock(mysql_server_url: str, tmp_path_factory: pytest.TempPathFactory) -> Stock:
    return Stock(
        OTHER_DB_CASES,
        lambda i: create_database(mysql_server_url),
        tmp_path_factory.mktemp("mysql-stock"),
    )


@pytest.fixture(scope="module")
def sqlite_stock(tmp_path_factory: pytest.TempPathFactory) -> Stock:
    root = tmp_path_factory.mktemp("sqlite-stock")
    return Stock(OTHER_DB_CASES, lambda i: f"sqlite:///{root / f'stock{i}.db'}", root)


@pytest.mark.parametrize(("env", "revision"), OTHER_DB_CASES, ids=lambda v: str(v))
def test_mariadb_shape_equals_stock_alembic(
    tmp_path: Path, mysql_url: str, mysql_stock: Stock, env: str, revision: str
) -> None:
    plugin = run_with_plugin(_project(tmp_path, mysql_url, env, revision), mysql_url)
    found = mysql_stock(env, revision)
    assert found.error is None, found.error
    assert plugin == found.snapshots == mysql_stock.reference(revision)


@pytest.mark.parametrize(("env", "revision"), OTHER_DB_CASES, ids=lambda v: str(v))
def test_sqlite_shape_equals_stock_alembic(
    tmp_path: Path, sqlite_url: str, sqlite_stock: Stock, env: str, revision: str
) -> None:
    plugin = run_with_plugin(_project(tmp_path, sqlite_url, env, revision), sqlite_url)
    found = sqlite_stock(env, revision)
    assert found.error is None, found.error
    assert plugin == found.snapshots == sqlite_stock.reference(revision)


# --- a commit by the revision, then a failure: what committed is said to stay ----------


def test_failure_after_the_revisions_own_commit_is_not_called_rolled_back(
    tmp_path: Path, pg_url: str
) -> None:
    body = """
def upgrade():
    op.create_index("ix_events_account_id", "events", ["account_id"])
    op.get_bind().commit()
    op.execute("ALTER TABLE events ADD COLUMN kind_2 TEXT")
    op.execute("SELECT no_such_column FROM events")

def downgrade():
    pass
"""
    revisions = shape_revisions("plain")
    revisions[1] = ("t2shape", body)
    cfg = make_project(tmp_path, pg_url, revisions)
    (tmp_path / "migrations" / "env.py").write_text(ENVS["autobegun_with_lock"])
    with pytest.raises(Exception) as err:
        command.upgrade(cfg, "zdm-phase:1")
    message = str(err.value)
    assert "failed and was rolled back" not in message
    assert "committed part of its work" in message
    assert "CREATE INDEX ix_events_account_id" in message
    found = snapshot(pg_url)
    assert ["ix_events_account_id", ["account_id"], False] in found["tables"]["events"]["indexes"]
    assert "kind_2" not in [c[0] for c in found["tables"]["events"]["columns"]]
    assert statuses(pg_url)[("t2shape", 1)] != "running"
