"""``alembic-zdm archive`` and ``upgrade --skip-backup`` end to end (SQLite: no server)."""

from __future__ import annotations

from pathlib import Path

import pytest

from alembic_zdm.cli import main as zdm_main
from alembic_zdm.testing.project import make_project

from . import scenario


def _zdm(tmp_path: Path, capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str]:
    code = zdm_main(["-c", str(tmp_path / "alembic.ini"), *argv])
    out = capsys.readouterr()
    errors = [line for line in out.err.splitlines() if not line.startswith("INFO ")]
    return code, out.out + "\n".join(errors)


def test_list_restore_purge(
    tmp_path: Path, sqlite_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    make_project(tmp_path, sqlite_url, [("setup", scenario.setup()), ("drop", scenario.drop())])
    assert _zdm(tmp_path, capsys, "upgrade", "setup")[0] == 0
    before = scenario.rows(sqlite_url, "old_sessions", ["user_id", "token"])
    assert _zdm(tmp_path, capsys, "upgrade")[0] == 0
    code, out = _zdm(tmp_path, capsys, "archive", "list")
    lines = out.strip().splitlines()
    assert code == 0 and len(lines) == 2, out
    assert "users.legacy" in lines[0] and f"rows {scenario.ROWS:,}" in lines[0]
    assert "old_sessions" in lines[1] and "safe_drop_table in drop" in lines[1]
    table_id = lines[1].split()[0]

    code, out = _zdm(tmp_path, capsys, "archive", "purge", "--older-than", "30d")
    assert (code, out.strip()) == (0, "Nothing to purge.")
    code, out = _zdm(tmp_path, capsys, "archive", "purge", "--older-than", "3x")
    assert code != 0 and "is not a duration" in out and "Traceback" not in out
    code, out = _zdm(tmp_path, capsys, "archive", "restore", "999")
    assert code != 0 and "No archive with id 999" in out

    code, out = _zdm(tmp_path, capsys, "archive", "restore", table_id)
    assert code == 0 and "Restored old_sessions" in out
    assert scenario.rows(sqlite_url, "old_sessions", ["user_id", "token"]) == before

    code, out = _zdm(tmp_path, capsys, "archive", "purge")
    assert code == 0 and "1 archive(s) would be dropped; pass --yes" in out
    assert len(_zdm(tmp_path, capsys, "archive", "list")[1].strip().splitlines()) == 1
    code, out = _zdm(tmp_path, capsys, "archive", "purge", "--yes")
    assert code == 0 and "Purged 1 archive(s)." in out
    assert _zdm(tmp_path, capsys, "archive", "list")[1].startswith("No archives")
    assert not [t for t in scenario.tables(sqlite_url) if t.startswith("zdm_arch_")]


def test_upgrade_skip_backup(
    tmp_path: Path, sqlite_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    make_project(tmp_path, sqlite_url, [("setup", scenario.setup()), ("drop", scenario.drop())])
    assert _zdm(tmp_path, capsys, "upgrade", "--skip-backup")[0] == 0
    assert "old_sessions" not in scenario.tables(sqlite_url)
    assert _zdm(tmp_path, capsys, "archive", "list")[1].startswith("No archives")
