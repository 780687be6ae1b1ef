"""``alembic-zdm lint`` and ``alembic-zdm rule`` through ``alembic_zdm.cli.main`` (and one real subprocess)."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import jsonschema
import pytest

from alembic_zdm.cli import main
from alembic_zdm.lint.registry import all_rules

HERE = Path(__file__).parent
UNSAFE = """
from alembic import op
import sqlalchemy as sa

revision = "{rev}"
down_revision = {down!r}


def upgrade() -> None:
    op.create_index("ix_users_email", "users", ["email"])  # zdm: ignore[ZDM123] env.py sets lock_timeout


def downgrade() -> None:
    op.drop_index_concurrently("ix_users_email", "users")
"""
SAFE = """
from alembic import op

revision = "{rev}"
down_revision = {down!r}


def upgrade() -> None:
    op.add_index_concurrently("ix_users_name", "users", ["name"])


def downgrade() -> None:
    op.drop_index_concurrently("ix_users_name", "users")
"""


def write(folder: Path, name: str, template: str, rev: str, down: str | None) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_text(template.format(rev=rev, down=down), encoding="utf-8")
    return path


def test_clean_run_exits_0(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    write(project / "versions", "a1_safe.py", SAFE, "a1", None)
    assert main(["lint", "versions", "--no-cache"]) == 0
    assert capsys.readouterr().out == "All checks passed (1 file).\n"


def test_findings_exit_1_with_exact_text(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    write(project / "versions", "b2_unsafe.py", UNSAFE, "b2", None)
    assert main(["lint", "versions", "--no-cache"]) == 1
    assert capsys.readouterr().out == (
        'versions/b2_unsafe.py:10:5: ZDM101 op.create_index builds index "ix_users_email" on existing table "users" '
        "without CONCURRENTLY: writes to the table are blocked until the build ends\n"
        '  help: op.add_index_concurrently("ix_users_email", "users", ["email"])\n'
        "Found 1 finding (1 error) in 1 of 1 file.\n"
    )


def test_fail_level_select_ignore_and_target(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    write(project / "versions", "b2_unsafe.py", UNSAFE, "b2", None)
    assert main(["lint", "versions", "--no-cache", "--ignore", "ZDM101"]) == 0
    assert main(["lint", "versions", "--no-cache", "--select", "ZDM2"]) == 0
    assert main(["lint", "versions", "--no-cache", "--target", "mysql>=8.0"]) == 0
    capsys.readouterr()
    (project / "pyproject.toml").write_text(
        '[tool.alembic_zdm.lint]\nseverity = { ZDM101 = "warning" }\n'
    )
    assert main(["lint", "versions", "--no-cache", "--fail-level", "error"]) == 0
    assert "(1 warning)" in capsys.readouterr().out
    assert main(["lint", "versions", "--no-cache"]) == 1


def test_usage_errors_exit_2(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["lint", "missing_dir", "--no-cache"]) == 2
    assert "No such file or folder: missing_dir." in capsys.readouterr().err
    assert main(["lint", ".", "--select", "XYZ1"]) == 2
    assert "'XYZ1' in --select matches no rule" in capsys.readouterr().err
    (project / "pyproject.toml").write_text('[tool.alembic_zdm.lint]\ntarget = "oracle"\n')
    assert main(["lint", "."]) == 2
    assert "target database 'oracle'" in capsys.readouterr().err
    with pytest.raises(SystemExit) as exc:
        main(["lint", "--format", "xml"])
    assert exc.value.code == 2


def test_parse_error_exits_2_with_a_clear_message(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (project / "broken.py").write_text(
        'revision = "x"\ndef upgrade(:\n    pass\n', encoding="utf-8"
    )
    assert main(["lint", "broken.py", "--no-cache"]) == 2
    captured = capsys.readouterr()
    assert "broken.py:2:13: ZDM005 Python syntax error: invalid syntax" in captured.out
    assert "alembic-zdm lint: error: cannot read broken.py:2: Python syntax error" in captured.err


def test_json_and_github_formats(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    write(project / "versions", "b2_unsafe.py", UNSAFE, "b2", None)
    assert main(["lint", "versions", "--no-cache", "--format", "json"]) == 1
    data = json.loads(capsys.readouterr().out)
    assert data["summary"] == {"files": 1, "findings": 1}
    assert data["findings"][0] | {"message": "", "help": ""} == {
        "path": "versions/b2_unsafe.py",
        "line": 10,
        "column": 5,
        "rule": "ZDM101",
        "name": "create-index-blocking",
        "severity": "error",
        "message": "",
        "help": "",
    }
    assert main(["lint", "versions", "--no-cache", "--format", "github"]) == 1
    out = capsys.readouterr().out
    assert out.startswith(
        "::error file=versions/b2_unsafe.py,line=10,col=5,title=ZDM101 create-index-blocking::op.create_index"
    )
    assert '%0Ahelp: op.add_index_concurrently("ix_users_email", "users", ["email"])\n' in out


def test_sarif_is_valid_2_1_0(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    write(project / "versions", "b2_unsafe.py", UNSAFE, "b2", None)
    assert main(["lint", "versions", "--no-cache", "--format", "sarif", "-o", "out.sarif"]) == 1
    log = json.loads((project / "out.sarif").read_text())
    schema = json.loads((HERE / "sarif-schema-2.1.0.json").read_text())
    jsonschema.Draft4Validator(schema).validate(log)
    result = log["runs"][0]["results"][0]
    assert (result["ruleId"], result["level"]) == ("ZDM101", "error")
    rules = log["runs"][0]["tool"]["driver"]["rules"]
    assert rules[result["ruleIndex"]]["id"] == "ZDM101"


def test_sql_mode_file_and_stdin(
    project: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    (project / "upgrade.sql").write_text(
        "BEGIN;\nCREATE INDEX CONCURRENTLY ix_a ON users (a);\nCOMMIT;\n"
    )
    assert main(["lint", "--sql", "upgrade.sql", "--no-cache", "--select", "ZDM103"]) == 1
    assert capsys.readouterr().out.startswith(
        "upgrade.sql:2:1: ZDM103 CREATE INDEX uses CONCURRENTLY"
    )
    import io

    monkeypatch.setattr(sys, "stdin", io.StringIO("DROP TABLE users;\n"))
    assert main(["lint", "--sql", "-", "--no-cache", "--select", "ZDM202"]) == 1
    assert capsys.readouterr().out.startswith('<stdin>:1:1: ZDM202 DROP TABLE drops table "users"')


def test_baseline_lints_only_newer_revisions(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    versions = project / "versions"
    write(versions, "a1_old_unsafe.py", UNSAFE.replace("ix_users_email", "ix_old"), "a1", None)
    write(versions, "b2_safe.py", SAFE, "b2", "a1")
    write(versions, "c3_unsafe.py", UNSAFE, "c3", "b2")
    assert main(["lint", "versions", "--no-cache", "--baseline", "b2"]) == 1
    out = capsys.readouterr().out
    assert "c3_unsafe.py" in out and "a1_old_unsafe.py" not in out and "in 1 of 1 file." in out
    assert main(["lint", "versions", "--no-cache", "--baseline", "c"]) == 0
    assert main(["lint", "versions", "--no-cache", "--baseline", "zz"]) == 2
    assert "--baseline zz matches no revision" in capsys.readouterr().err


@pytest.mark.skipif(shutil.which("git") is None, reason="git is not installed")
def test_since_lints_only_changed_files(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    def git(*args: str) -> None:
        subprocess.run(["git", *args], cwd=project, check=True, capture_output=True)

    git("init", "-q")
    git("config", "user.email", "t@example.com")
    git("config", "user.name", "t")
    write(
        project / "versions",
        "a1_old_unsafe.py",
        UNSAFE.replace("ix_users_email", "ix_old"),
        "a1",
        None,
    )
    git("add", ".")
    git("commit", "-qm", "old")
    write(project / "versions", "b2_new_unsafe.py", UNSAFE, "b2", "a1")
    assert main(["lint", "versions", "--no-cache", "--since", "HEAD"]) == 1
    out = capsys.readouterr().out
    assert "b2_new_unsafe.py" in out and "a1_old_unsafe.py" not in out
    assert main(["lint", "versions", "--no-cache", "--since", "no-such-ref"]) == 2


def test_default_paths_come_from_alembic_ini(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (project / "alembic.ini").write_text("[alembic]\nscript_location = %(here)s/migrations\n")
    (project / "migrations").mkdir()
    (project / "migrations" / "script.py.mako").write_text("")
    write(project / "migrations" / "versions", "b2_unsafe.py", UNSAFE, "b2", None)
    assert main(["lint", "--no-cache"]) == 1
    assert "migrations/versions/b2_unsafe.py:10:5: ZDM101" in capsys.readouterr().out


def test_exclude_and_cache(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    write(project / "versions", "b2_unsafe.py", UNSAFE, "b2", None)
    (project / "pyproject.toml").write_text(
        '[tool.alembic_zdm.lint]\nexclude = ["versions/b2_*"]\n'
    )
    assert main(["lint", "versions"]) == 0
    assert capsys.readouterr().out == "All checks passed (0 files).\n"
    (project / "pyproject.toml").write_text("[tool.alembic_zdm.lint]\n")
    assert main(["lint", "versions"]) == 1
    cache_files = list((project / ".alembic_zdm_cache").glob("lint-*.json"))
    assert len(cache_files) == 1 and (project / ".alembic_zdm_cache" / ".gitignore").exists()
    first = capsys.readouterr().out
    assert main(["lint", "versions"]) == 1
    assert capsys.readouterr().out == first


def test_rule_command(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["rule", "ZDM101"]) == 0
    out = capsys.readouterr().out
    assert out.startswith(
        "# ZDM101 create-index-blocking\n\nCREATE INDEX without CONCURRENTLY on an existing table.\n"
    )
    assert (
        "## Use instead" in out
        and 'op.add_index_concurrently("ix_users_email", "users", ["email"])' in out
    )
    assert main(["rule", "set-not-null-scan"]) == 0
    assert capsys.readouterr().out.startswith("# ZDM111 set-not-null-scan")
    assert main(["rule", "--list"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == len(all_rules()) and lines[0].startswith(
        "ZDM001  destructive-change-before-contract"
    )
    assert main(["rule", "ZDM999"]) == 2
    assert "unknown rule 'ZDM999'" in capsys.readouterr().err


def test_real_console_script(tmp_path: Path) -> None:
    script = Path(sys.executable).with_name("alembic-zdm")
    if not script.exists():
        pytest.skip("the alembic-zdm console script is not installed in this environment")
    write(tmp_path / "versions", "b2_unsafe.py", UNSAFE, "b2", None)
    done = subprocess.run(
        [str(script), "lint", "versions", "--no-cache", "--format", "json"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 1, done.stderr
    assert [f["rule"] for f in json.loads(done.stdout)["findings"]] == ["ZDM101"]
    done = subprocess.run(
        [str(script), "lint", "--sql", "-", "--no-cache"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        input="ALTER TABLE users ADD COLUMN",
        timeout=120,
    )
    assert done.returncode == 0, "SQL no parser reads is reported, but is no usage or parse error"
    assert (
        "<stdin>:1:1: ZDM903 could not read this statement as postgresql "
        "(syntax error at end of input); it was not checked"
    ) in done.stdout


def test_sql_paths_are_linted_as_sql(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (project / "a.sql").write_text("ALTER TABLE users ADD COLUMN status text NOT NULL;\n")
    (project / "b.sql").write_text(
        "SET lock_timeout = '1s';\nALTER TABLE users ADD COLUMN note text;\n"
    )
    assert main(["lint", "a.sql", "b.sql", "--no-cache", "--ignore", "ZDM127"]) == 1
    out = capsys.readouterr().out.splitlines()
    assert [line.split(" ", 2)[:2] for line in out if not line.startswith(("  ", "Found"))] == [
        ["a.sql:1:1:", "ZDM113"],
        ["a.sql:1:1:", "ZDM123"],
    ]


def test_statistics_counts_findings_per_rule(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    versions = project / "versions"
    write(
        versions,
        "c1_unsafe.py",
        UNSAFE.replace("  # zdm: ignore[ZDM123] env.py sets lock_timeout", ""),
        "c1",
        None,
    )
    write(versions, "c2_unsafe.py", UNSAFE, "c2", "c1")
    assert main(["lint", "versions", "--no-cache", "--statistics"]) == 1
    assert capsys.readouterr().out == (
        "2\tZDM101\tcreate-index-blocking (error)\n"
        "1\tZDM123\tmissing-lock-timeout (warning)\n"
        "Found 3 findings in 2 files.\n"
    )
    assert main(["lint", "versions", "--no-cache", "--statistics", "--format", "json"]) == 1
    assert json.loads(capsys.readouterr().out) == [
        {"code": "ZDM101", "name": "create-index-blocking", "count": 2, "severity": "error"},
        {"code": "ZDM123", "name": "missing-lock-timeout", "count": 1, "severity": "warning"},
    ]


def test_worker_processes_find_what_one_process_finds(tmp_path: Path) -> None:
    from alembic_zdm.lint import api

    versions = tmp_path / "versions"
    down = None
    for i in range(60):
        template = UNSAFE if i % 3 else SAFE
        write(versions, f"r{i:02d}.py", template, f"r{i:02d}", down)
        down = f"r{i:02d}"
    serial = api.lint(api.LintOptions(paths=[versions], root=tmp_path, jobs=1))
    parallel = api.lint(api.LintOptions(paths=[versions], root=tmp_path, jobs=2))
    assert serial.findings and parallel.findings == serial.findings
