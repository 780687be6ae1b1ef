"""State, errors, status and doctor say what really happened (issue 10, item 5)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from alembic import command
from sqlalchemy import create_engine, text

from alembic_zdm.cli import main as zdm_main
from alembic_zdm.errors import PhaseFailedError
from alembic_zdm.phases import commands
from alembic_zdm.phases.progress import SimulatedKill, arm_kill
from alembic_zdm.testing.project import make_project

ROWS = 2_000

SETUP = f"""
def upgrade():
    op.create_table("big", sa.Column("id", sa.Integer, primary_key=True, autoincrement=False),
                    sa.Column("v", sa.Integer, nullable=False), sa.Column("w", sa.Integer))
    op.execute("INSERT INTO big (id, v) SELECT g, g FROM generate_series(1, {ROWS}) g")

def downgrade():
    op.drop_table("big")
"""

MIGRATE_RAISES = """
def expand():
    pass

def migrate():
    op.backfill("big", set={"w": "v * 2"}, batch_size=500)
    raise RuntimeError("checks after the backfill failed")
"""


def _state(url: str) -> tuple[str, str]:
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            row = conn.execute(
                text(
                    "SELECT status, error FROM alembic_zdm_state WHERE revision = 'fill' AND phase = 2"
                )
            ).one()
            return row[0], row[1]
    finally:
        engine.dispose()


def _filled(url: str) -> int:
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            return int(
                conn.execute(text("SELECT count(*) FROM big WHERE w IS NOT NULL")).scalar_one()
            )
    finally:
        engine.dispose()


def _doctor(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> list[dict[str, str]]:
    capsys.readouterr()
    zdm_main(["-c", str(tmp_path / "alembic.ini"), "doctor", "--format", "json"])
    found: list[dict[str, str]] = json.loads(capsys.readouterr().out)
    return found


def test_a_migrate_raising_after_a_backfill_is_partial_not_rolled_back(
    tmp_path: Path, pg_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    cfg = make_project(tmp_path, pg_url, [("setup", SETUP), ("fill", MIGRATE_RAISES)])
    command.upgrade(cfg, "zdm-phase:1")
    with pytest.raises(PhaseFailedError) as caught:
        command.upgrade(cfg, "zdm-phase:2")
    message = str(caught.value)
    assert "failed and was rolled back" not in message
    assert f"{ROWS:,} backfilled rows in committed batches" in message
    assert "state 'partial'" in message and "alembic-zdm rollback" in message
    assert _filled(pg_url) == ROWS  # the batches did stay, as the message says

    status, error = _state(pg_url)
    assert status == "partial"
    assert "checks after the backfill failed" in error

    capsys.readouterr()
    zdm_main(["-c", str(tmp_path / "alembic.ini"), "status", "--format", "json"])
    assert "partial" in capsys.readouterr().out

    findings = [
        f for f in _doctor(tmp_path, capsys) if f["object"] == "revision fill, phase migrate"
    ]
    assert [f["kind"] for f in findings] == ["phase-partial"]
    assert "alembic upgrade zdm-phase:2" in findings[0]["fix"]
    assert "upgrade head" not in findings[0]["fix"]


FAILS_CLEANLY = """
def expand():
    op.add_column("big", sa.Column("x", sa.Integer))
    op.execute("INSERT INTO no_such_table VALUES (1)")
"""


def test_a_step_that_rolled_back_entirely_says_so(tmp_path: Path, pg_url: str) -> None:
    cfg = make_project(tmp_path, pg_url, [("setup", SETUP), ("fill", FAILS_CLEANLY)])
    command.upgrade(cfg, "setup")
    with pytest.raises(Exception, match="failed and was rolled back"):
        command.upgrade(cfg, "zdm-phase:1")
    engine = create_engine(pg_url)
    with engine.connect() as conn:
        status = conn.execute(
            text("SELECT status FROM alembic_zdm_state WHERE revision = 'fill' AND phase = 1")
        ).scalar()
        columns = conn.execute(
            text(
                "SELECT count(*) FROM information_schema.columns WHERE table_name = 'big' AND column_name = 'x'"
            )
        ).scalar()
    engine.dispose()
    assert (status, columns) == ("failed", 0)


STUCK_MIGRATE = """
def expand():
    op.add_column("big", sa.Column("x", sa.Integer))

def undo_expand():
    op.drop_column("big", "x")

def migrate():
    op.backfill("big", set={"x": "v"}, batch_size=500)
    op.add_index_concurrently("ix_big_x", "big", ["x"])

def undo_migrate():
    op.drop_index_concurrently("ix_big_x", "big")

def contract():
    op.drop_column("big", "w")
"""


def test_doctor_advises_the_stuck_phase_never_a_later_one(
    tmp_path: Path, pg_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    cfg = make_project(tmp_path, pg_url, [("setup", SETUP), ("fill", STUCK_MIGRATE)])
    command.upgrade(cfg, "zdm-phase:1")
    arm_kill(1, "before", match="CREATE INDEX")  # after the backfill, in the index build
    try:
        with pytest.raises(SimulatedKill):
            command.upgrade(cfg, "zdm-phase:2")
    finally:
        arm_kill(0)
    stuck = [f for f in _doctor(tmp_path, capsys) if f["kind"] == "phase-stuck-running"]
    assert [f["object"] for f in stuck] == ["revision fill, phase migrate"]
    assert "alembic upgrade zdm-phase:2" in stuck[0]["fix"]
    assert "head" not in stuck[0]["fix"]
    # and the advice works: contract has not run (column w is still there), migrate is done
    command.upgrade(cfg, "zdm-phase:2")
    engine = create_engine(pg_url)
    with engine.connect() as conn:
        w = conn.execute(text("SELECT count(*) FROM big WHERE w IS NULL")).scalar()
        valid = conn.execute(
            text("SELECT indisvalid FROM pg_index WHERE indexrelid = 'ix_big_x'::regclass")
        ).scalar()
    engine.dispose()
    assert (w, valid) == (ROWS, True)


def test_rollback_after_a_partial_migrate_undoes_it(tmp_path: Path, pg_url: str) -> None:
    cfg = make_project(tmp_path, pg_url, [("setup", SETUP), ("fill", STUCK_MIGRATE)])
    command.upgrade(cfg, "zdm-phase:1")
    arm_kill(1, "after", match="CREATE INDEX")
    try:
        with pytest.raises(SimulatedKill):
            command.upgrade(cfg, "zdm-phase:2")
    finally:
        arm_kill(0)
    commands.rollback(cfg)
    engine = create_engine(pg_url)
    with engine.connect() as conn:
        names = {
            r[0]
            for r in conn.execute(
                text("SELECT column_name FROM information_schema.columns WHERE table_name = 'big'")
            )
        }
        index = conn.execute(text("SELECT to_regclass('ix_big_x')")).scalar()
    engine.dispose()
    assert (names, index) == ({"id", "v", "w"}, None)


RAISING_PHASE = """
def expand():
    op.add_column("big", sa.Column("x", sa.Integer))

def migrate():
    raise ValueError("this revision's migrate cannot even be replayed")
"""


def test_a_raising_phase_function_never_crashes_doctor(
    tmp_path: Path, pg_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    cfg = make_project(tmp_path, pg_url, [("setup", SETUP), ("bad", RAISING_PHASE)])
    command.upgrade(cfg, "zdm-phase:1")
    engine = create_engine(pg_url)
    with engine.begin() as conn:
        conn.execute(text("ALTER TABLE big ADD COLUMN zdm_old_v int"))
    engine.dispose()
    findings = _doctor(tmp_path, capsys)
    unreadable = [f for f in findings if f["kind"] == "revision-unreadable"]
    assert len(unreadable) == 1
    assert "ValueError: this revision's migrate cannot even be replayed" in unreadable[0]["detail"]
    assert "bad.py" in unreadable[0]["fix"]
    # it cannot tell what the revision owns, so it calls nothing an orphan
    assert not [f for f in findings if f["kind"] == "temporary-column"]


CHECK_SETUP = """
def upgrade():
    op.create_table("orders", sa.Column("id", sa.Integer, primary_key=True),
                    sa.Column("amount", sa.Integer, nullable=False))

def downgrade():
    op.drop_table("orders")
"""

CHECK = """
def expand():
    op.add_check_constraint_safe("ck_orders_amount", "orders", "amount > 0")
"""


def test_doctor_on_mariadb_keeps_the_triggers_that_enforce_a_check(
    tmp_path: Path, mysql_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    cfg = make_project(tmp_path, mysql_url, [("setup", CHECK_SETUP), ("check", CHECK)])
    command.upgrade(cfg, "head")
    engine = create_engine(mysql_url)
    with engine.connect() as conn:
        triggers = [
            r[0]
            for r in conn.execute(
                text(
                    "SELECT trigger_name FROM information_schema.triggers WHERE trigger_schema = DATABASE()"
                )
            )
        ]
    engine.dispose()
    assert triggers, "the CHECK is enforced by triggers on MariaDB"
    assert _doctor(tmp_path, capsys) == []
