"""Every subcommand's error paths: one sentence on stderr, exit 1 or 2, no traceback
(unless --raiseerr / -v)."""

from __future__ import annotations

from pathlib import Path

import pytest

from alembic_zdm.cli import main as zdm_main
from alembic_zdm.testing.project import make_project

PROJECT_COMMANDS = [
    ["status"],
    ["history"],
    ["plan"],
    ["doctor"],
    ["rollback"],
    ["upgrade"],
    ["downgrade", "base"],
    ["generate", "drop-table", "--table", "t"],
    ["init", "--existing"],
]
"""Every subcommand that reads the project's Alembic configuration."""

DATABASE_COMMANDS = [c for c in PROJECT_COMMANDS if c[0] not in ("plan", "generate", "init")]


def _one_sentence(capsys: pytest.CaptureFixture[str], code: int) -> str:
    captured = capsys.readouterr()
    assert code in (1, 2), captured.err
    lines = [line for line in captured.err.splitlines() if not line.startswith("INFO ")]
    assert len(lines) == 1, captured.err
    assert "Traceback" not in captured.err
    assert lines[0].startswith("alembic-zdm")
    return lines[0]


@pytest.mark.parametrize("argv", PROJECT_COMMANDS, ids=lambda a: a[0])
def test_without_alembic_ini_it_says_which_file_was_looked_for(
    argv: list[str],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("ALEMBIC_CONFIG", raising=False)
    line = _one_sentence(capsys, zdm_main(argv))
    assert "No alembic.ini in" in line or "script_location" in line, line
    assert "No 'script_location' key found" not in line


@pytest.mark.parametrize("argv", PROJECT_COMMANDS[:-1], ids=lambda a: a[0])
def test_a_config_file_that_does_not_exist_is_named(
    argv: list[str], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    missing = str(tmp_path / "nope.ini")
    line = _one_sentence(capsys, zdm_main(["-c", missing, *argv]))
    assert "nope.ini" in line


@pytest.mark.parametrize("argv", DATABASE_COMMANDS, ids=lambda a: a[0])
def test_a_database_that_cannot_be_reached_is_one_sentence(
    argv: list[str], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    url = f"sqlite:///{tmp_path}/no/such/folder/app.db"
    make_project(tmp_path, url, [("r1", "def upgrade():\n    op.execute('SELECT 1')\n")])
    line = _one_sentence(capsys, zdm_main(["-c", str(tmp_path / "alembic.ini"), *argv]))
    assert line.startswith("alembic-zdm: error: Cannot connect to the database (")
    assert "unable to open database file" in line


def test_plan_without_a_database_says_why_and_plans_offline(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    url = f"sqlite:///{tmp_path}/no/such/folder/app.db"
    make_project(tmp_path, url, [("r1", "def upgrade():\n    op.execute('SELECT 1')\n")])
    assert zdm_main(["-c", str(tmp_path / "alembic.ini"), "plan"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("not connected (unable to open database file): planned from base")


@pytest.mark.parametrize("argv", [["status"], ["upgrade"], ["plan"]], ids=lambda a: a[0])
def test_an_import_env_py_cannot_make_is_one_sentence_naming_the_file(
    argv: list[str], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    make_project(tmp_path, f"sqlite:///{tmp_path}/app.db")
    env = tmp_path / "migrations" / "env.py"
    env.write_text("import myapp_models_that_do_not_exist\n" + env.read_text())
    line = _one_sentence(capsys, zdm_main(["-c", str(tmp_path / "alembic.ini"), *argv]))
    assert "env.py line 1 cannot import 'myapp_models_that_do_not_exist'" in line
    assert "prepend_sys_path" in line


def test_raiseerr_and_v_show_the_traceback(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path}/no/such/folder/app.db"
    make_project(tmp_path, url)
    ini = str(tmp_path / "alembic.ini")
    for argv in (["--raiseerr", "-c", ini, "status"], ["-c", ini, "-v", "status"],
                 ["-c", ini, "status", "--raiseerr"]):  # fmt: skip
        with pytest.raises(Exception, match="unable to open database file"):
            zdm_main(argv)


@pytest.mark.parametrize(
    ("argv", "expected"),
    [
        (["generate", "rename-column", "--table", "users", "--column", "name"], "--to"),
        (["init"], "init needs a DIRECTORY"),
        (["rule", "ZDM999"], "unknown rule 'ZDM999'"),
        (["lint", "no/such/revision.py"], "no/such/revision.py"),
        (["upgrade", "--phase", "deploy"], "is not a phase"),
    ],
    ids=["generate", "init", "rule", "lint", "upgrade-phase"],
)
def test_bad_arguments_are_one_sentence(
    argv: list[str],
    expected: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    make_project(tmp_path, f"sqlite:///{tmp_path}/app.db")
    monkeypatch.chdir(tmp_path)
    line = _one_sentence(capsys, zdm_main(argv))
    assert expected in line, line
