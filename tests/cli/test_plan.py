"""plan: per pending phase, the SQL with its lock level, table effects and row estimates."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from alembic import command
from sqlalchemy import create_engine, text

from alembic_zdm.cli import main as zdm_main
from alembic_zdm.testing.project import make_project

SETUP = """
def upgrade():
    op.execute("CREATE TABLE accounts (id serial PRIMARY KEY, email text, plan text)")
    op.execute("INSERT INTO accounts (email) SELECT 'a' || g FROM generate_series(1, 3000) g")
    op.execute("ANALYZE accounts")

def downgrade():
    op.execute("DROP TABLE accounts")
"""

CHANGE = """
def expand():
    op.add_index_concurrently("ix_accounts_email", "accounts", ["email"])
    op.add_column("accounts", sa.Column("tier", sa.Integer, nullable=True))

def migrate():
    op.execute("UPDATE accounts SET tier = 1")

def contract():
    op.alter_column("accounts", "plan", type_=sa.String(20))

def undo_expand():
    op.drop_index_concurrently("ix_accounts_email", "accounts")
    op.drop_column("accounts", "tier")
"""


def test_plan_lists_locks_effects_and_estimates(
    tmp_path: Path, pg_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    cfg = make_project(tmp_path, pg_url, [("setup", SETUP), ("change", CHANGE)])
    command.upgrade(cfg, "setup")
    ini = str(tmp_path / "alembic.ini")
    capsys.readouterr()
    assert zdm_main(["-c", ini, "plan", "--format", "json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["connected"] is True and report["heads"] == ["setup"]
    steps = {s["phase"]: s for s in report["steps"]}
    assert list(steps) == ["expand", "migrate", "contract"]
    cic, add = steps["expand"]["statements"]
    assert cic["lock"] == "SHARE UPDATE EXCLUSIVE" and cic["scans"] is True
    assert cic["sql"].startswith("CREATE INDEX CONCURRENTLY IF NOT EXISTS ix_accounts_email")
    assert cic["estimated_rows"] == 3000
    assert add["lock"] == "ACCESS EXCLUSIVE" and add["rewrites"] is False
    assert add["lock_timeout_ms"] == 500  # the runner's phase guard
    (update,) = steps["migrate"]["statements"]
    assert (update["lock"], update["scans"]) == ("ROW EXCLUSIVE", True)
    (alter,) = steps["contract"]["statements"]
    assert (alter["lock"], alter["rewrites"]) == ("ACCESS EXCLUSIVE", True)

    # after expand ran, only migrate and contract are planned
    command.upgrade(cfg, "zdm-phase:1")
    assert zdm_main(["-c", ini, "plan", "zdm-phase:2"]) == 0
    out = capsys.readouterr().out
    headers = [line for line in out.splitlines() if line.startswith("change — ")]
    assert headers == ["change — migrate"]
    assert "ROW EXCLUSIVE          accounts (~3,000 rows)" in out
    engine = create_engine(pg_url)
    with engine.connect() as conn:
        assert (
            conn.execute(text("SELECT count(*) FROM accounts WHERE tier IS NOT NULL")).scalar() == 0
        )
    engine.dispose()


RENAME = """
def expand():
    op.safe_rename_column("accounts", "email", "login")
"""


def test_plan_reads_the_catalog_for_ops_that_need_it(
    tmp_path: Path, pg_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    """Offline --sql needs existing_type= for a rename; plan reads the type from the
    connected database instead, and still plans phases whose columns do not exist yet."""
    cfg = make_project(tmp_path, pg_url, [("setup", SETUP), ("ren", RENAME)])
    command.upgrade(cfg, "setup")
    capsys.readouterr()
    assert zdm_main(["-c", str(tmp_path / "alembic.ini"), "plan", "--format", "json"]) == 0
    steps = {s["phase"]: s for s in json.loads(capsys.readouterr().out)["steps"]}
    assert all(step["error"] is None for step in steps.values())
    expand_sql = [st["sql"] for st in steps["expand"]["statements"]]
    assert expand_sql[0] == "ALTER TABLE accounts ADD COLUMN login TEXT"
    assert any(sql.startswith("CREATE TRIGGER zdm_dw_accounts_email_login") for sql in expand_sql)
    contract = [st["sql"] for st in steps["contract"]["statements"]]
    assert "ALTER TABLE accounts DROP COLUMN email" in contract
