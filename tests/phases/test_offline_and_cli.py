"""Offline --sql per phase, the three spellings through the real console scripts,
checksums of edited revisions, status/history, init --existing and plugin discovery."""

from __future__ import annotations

import io
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from alembic import command
from alembic.config import Config

from alembic_zdm.cli import main as zdm_main
from alembic_zdm.errors import PhaseFailedError
from alembic_zdm.testing.project import make_project

from .conftest import ITEMS, current_heads, log_entries, state_rows, three_phased_project

BIN = Path(sys.executable).parent


def _offline(cfg: Config, target: str) -> str:
    buf = io.StringIO()
    cfg.output_buffer = buf
    command.upgrade(cfg, target, sql=True)
    return buf.getvalue()


def test_offline_sql_prints_exactly_the_selected_phases(tmp_path: Path) -> None:
    cfg = three_phased_project(tmp_path, "postgresql://offline/none")
    out = _offline(cfg, "zdm-phase:1")
    assert "ALTER TABLE items ADD COLUMN c_r1 INTEGER" in out
    assert "ALTER TABLE items ADD COLUMN c_r3 INTEGER" in out
    assert "'r3:expand'" in out
    assert "migrate" not in out.replace("-- alembic-zdm", "")
    assert "'r1:contract'" not in out
    # the plain revisions complete; the phased ones do not move the version table yet
    assert "INSERT INTO alembic_version (version_num) VALUES ('r0')" in out
    assert "UPDATE alembic_version SET version_num='items'" in out
    assert "version_num='r1'" not in out

    out2 = _offline(cfg, "zdm-phase:2")
    assert out2.index("'r3:expand'") < out2.index("'r1:migrate'")
    assert "'r1:contract'" not in out2

    out3 = _offline(cfg, "zdm-phase:3")
    assert out3.index("'r3:migrate'") < out3.index("'r1:contract'")
    assert (
        "UPDATE alembic_version SET version_num='r3' WHERE alembic_version.version_num = 'r2'"
        in out3
    )


# warehouse 1fdf5dc6bbf3's shape: a data migration that iterates over a query's rows,
# which an offline run cannot have (the mock connection returns None)
ROWS_LOOP = """
def upgrade():
    for row in op.get_bind().execute(sa.text("SELECT id FROM items")):
        op.execute(sa.text("UPDATE items SET id = id WHERE id = :i").bindparams(i=row[0]))

def downgrade():
    pass
"""


def test_offline_step_that_cannot_render_does_not_claim_a_rollback(tmp_path: Path) -> None:
    cfg = make_project(tmp_path, "postgresql://offline/none", [("i1", ITEMS), ("i2", ROWS_LOOP)])
    buf = io.StringIO()
    cfg.output_buffer = buf
    with pytest.raises(PhaseFailedError) as failed:
        command.upgrade(cfg, "zdm-phase:1", sql=True)
    message = str(failed.value)
    assert "rolled back" not in message and "run the same command again" not in message
    assert "expand of i2" in message and "cannot be rendered as offline SQL" in message
    assert "not iterable" in message
    assert buf.getvalue() == ""  # the script is written only when every step rendered


def test_offline_range_start_is_respected(tmp_path: Path) -> None:
    cfg = three_phased_project(tmp_path, "postgresql://offline/none")
    out = _offline(cfg, "items:zdm-phase:1")
    assert "CREATE TABLE zdm_log" not in out
    assert "'r1:expand'" in out


def test_edited_revision_is_reported_and_not_rerun(tmp_path: Path, sqlite_url: str, capsys) -> None:  # type: ignore[no-untyped-def]
    cfg = three_phased_project(tmp_path, sqlite_url)
    command.upgrade(cfg, "zdm-phase:1")
    path = tmp_path / "migrations" / "versions" / "r1.py"
    path.write_text(path.read_text() + "\n# edited after expand ran\n")
    capsys.readouterr()
    command.upgrade(cfg, "zdm-phase:2")
    err = capsys.readouterr().err
    assert "revision r1 (r1.py) was edited after its expand phase ran" in err
    assert log_entries(sqlite_url).count("r1:expand") == 1
    # status shows it too
    assert zdm_main(["-c", str(tmp_path / "alembic.ini"), "status", "--format", "json"]) == 0
    status = json.loads(capsys.readouterr().out)
    r1 = next(r for r in status["revisions"] if r["revision"] == "r1")
    assert r1["edited"] is True
    assert r1["phases"] == {"expand": "done", "migrate": "done", "contract": "pending"}
    assert r1["next_phase"] == "contract"


def test_status_and_history_cli(tmp_path: Path, sqlite_url: str, capsys) -> None:  # type: ignore[no-untyped-def]
    cfg = three_phased_project(tmp_path, sqlite_url)
    ini = str(tmp_path / "alembic.ini")
    command.upgrade(cfg, "zdm-phase:1")
    capsys.readouterr()
    assert zdm_main(["-c", ini, "status"]) == 0
    out = capsys.readouterr().out
    assert "current: items" in out
    assert (
        "r2  r2  [phased]  expand=done  migrate=pending  contract=pending  -> next: migrate" in out
    )
    assert zdm_main(["-c", ini, "history", "--format", "json"]) == 0
    rows = json.loads(capsys.readouterr().out)
    assert {(r["revision"], r["phase"], r["status"]) for r in rows} >= {
        ("r1", "expand", "done"),
        ("r3", "expand", "done"),
    }
    assert all(r["duration_ms"] is not None and r["attempts"] == 1 for r in rows)
    assert zdm_main(["-c", ini, "history"]) == 0
    text_out = capsys.readouterr().out
    assert text_out.splitlines()[0].split()[:3] == ["revision", "phase", "status"]
    assert "r3" in text_out and "expand" in text_out


def _run(args: list[str], cwd: Path) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ)
    return subprocess.run(args, cwd=cwd, env=env, capture_output=True, text=True, timeout=120)


def test_three_spellings_through_real_console_scripts(
    tmp_path: Path, pg_url: str, pg_server_url: str
) -> None:
    spellings = [
        [str(BIN / "alembic"), "upgrade", "zdm-phase:2"],
        [str(BIN / "alembic"), "-x", "zdm_phase=2", "upgrade", "head"],
        [str(BIN / "alembic-zdm"), "upgrade", "--phase", "2"],
    ]
    from alembic_zdm.testing.databases import create_database, drop_database

    for i, args in enumerate(spellings):
        url = create_database(pg_server_url) if i else pg_url
        try:
            root = tmp_path / f"p{i}"
            three_phased_project(root, url)
            proc = _run(args, root)
            assert proc.returncode == 0, proc.stderr
            assert log_entries(url) == [
                "r1:expand",
                "r2:expand",
                "r3:expand",
                "r1:migrate",
                "r2:migrate",
                "r3:migrate",
            ], args
            assert current_heads(url) == ["items"]
            done = _run([str(BIN / "alembic"), "upgrade", "head"], root)
            assert done.returncode == 0, done.stderr
            assert current_heads(url) == ["r3"]
            cur = _run([str(BIN / "alembic"), "current"], root)
            assert "r3 (head)" in cur.stdout
        finally:
            if i:
                drop_database(url)


def test_bad_target_through_console_script_is_one_line(tmp_path: Path, sqlite_url: str) -> None:
    three_phased_project(tmp_path, sqlite_url)
    proc = _run([str(BIN / "alembic"), "upgrade", "zdm-phase:9"], tmp_path)
    assert proc.returncode == 255  # Alembic's exit code for a CommandError
    assert "Traceback" not in proc.stdout + proc.stderr
    assert proc.stdout.strip() == (
        "FAILED: Target 'zdm-phase:9' names no phase: write zdm-phase:1, zdm-phase:2 "
        "or zdm-phase:3 (or expand / migrate / contract)."
    )
    proc = _run([str(BIN / "alembic-zdm"), "upgrade", "--phase", "foo"], tmp_path)
    assert proc.returncode == 1
    assert proc.stderr.strip().splitlines() == [
        "alembic-zdm: error: 'foo' is not a phase: use 1/expand, 2/migrate or 3/contract "
        "(for example 'alembic upgrade zdm-phase:2')."
    ]


def test_init_existing_on_a_plain_project(tmp_path: Path, sqlite_url: str, capsys) -> None:  # type: ignore[no-untyped-def]
    plain = tmp_path / "plain"
    make_project(plain, sqlite_url)
    copy = tmp_path / "copy"
    shutil.copytree(plain, copy)
    old_template = (copy / "migrations" / "script.py.mako").read_text()
    assert zdm_main(["-c", str(copy / "alembic.ini"), "init", "--existing"]) == 0
    out = capsys.readouterr().out
    assert "Backed up the old template to script.py.mako.bak" in out
    assert (copy / "migrations" / "script.py.mako.bak").read_text() == old_template
    new_template = (copy / "migrations" / "script.py.mako").read_text()
    assert "def expand() -> None:" in new_template
    # a revision generated through Alembic now has the phases, and runs phase by phase
    cfg = Config(str(copy / "alembic.ini"))
    command.revision(cfg, message="add things", rev_id="p1")
    source = (copy / "migrations" / "versions" / "p1_add_things.py").read_text()
    for name in ("expand", "migrate", "contract", "undo_expand", "undo_migrate", "undo_contract"):
        assert f"def {name}() -> None:" in source
    command.upgrade(cfg, "zdm-phase:1")
    assert state_rows(sqlite_url) == {("p1", "expand"): "done"}
    assert current_heads(sqlite_url) == []
    command.upgrade(cfg, "head")
    assert current_heads(sqlite_url) == ["p1"]
    # the plain project was left alone, and running it again is a no-op
    assert (plain / "migrations" / "script.py.mako").read_text() == old_template
    assert zdm_main(["-c", str(copy / "alembic.ini"), "init", "--existing"]) == 0
    assert "already the phase-aware template" in capsys.readouterr().out


def test_init_new_directory(tmp_path: Path, capsys, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.chdir(tmp_path)
    assert zdm_main(["init", "migrations"]) == 0
    assert "def expand() -> None:" in (tmp_path / "migrations" / "script.py.mako").read_text()
    assert (tmp_path / "alembic.ini").exists()
    assert zdm_main(["init", "migrations"]) == 1
    assert "already exists and is not empty" in capsys.readouterr().err


def test_import_alembic_alone_enables_the_plugin(tmp_path: Path) -> None:
    code = (
        "import sys\n"
        "import alembic\n"
        "assert 'alembic_zdm.plugin' in sys.modules, 'plugin not loaded'\n"
        "from alembic import command\n"
        "assert getattr(command.upgrade, '_zdm_wrapper', False)\n"
        "assert command.upgrade.__module__ == 'alembic.command'\n"
        "from alembic import op\n"
        "assert callable(op.safe_rename_column) and callable(op.add_index_concurrently)\n"
        "from alembic.operations import Operations\n"
        "assert hasattr(Operations, 'backfill')  # registered by the first op lookup\n"
        "import inspect\n"
        "print(inspect.getfullargspec(command.upgrade).args)\n"
    )
    proc = subprocess.run(
        [sys.executable, "-c", code], cwd=tmp_path, capture_output=True, text=True, timeout=60
    )
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == "['config', 'revision', 'sql', 'tag']"


def test_offline_script_records_its_phases_for_a_later_online_run(
    tmp_path: Path, pg_url: str
) -> None:
    """A DBA applies the expand SQL by hand; the online runner then knows it ran."""
    cfg = three_phased_project(tmp_path, pg_url)
    script = _offline(cfg, "zdm-phase:1")
    assert "CREATE TABLE IF NOT EXISTS alembic_zdm_state" in script
    from sqlalchemy import create_engine

    engine = create_engine(pg_url, isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.connection.dbapi_connection.execute(script)  # type: ignore[union-attr]
    engine.dispose()
    assert state_rows(pg_url)[("r3", "expand")] == "done"
    assert current_heads(pg_url) == ["items"]

    command.upgrade(cfg, "zdm-phase:2")  # online from here: expand is not run again
    assert log_entries(pg_url) == [
        "r1:expand", "r2:expand", "r3:expand", "r1:migrate", "r2:migrate", "r3:migrate",
    ]  # fmt: skip
    command.upgrade(cfg, "head")
    assert current_heads(pg_url) == ["r3"]
