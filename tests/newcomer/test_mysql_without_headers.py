"""Without mysqlclient (no MariaDB headers to build it), the MariaDB tests run on
PyMySQL instead of skipping, and the pytest summary names the databases exercised."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from alembic_zdm.testing.databases import with_installed_driver

ROOT = Path(__file__).resolve().parents[2]


def test_mariadb_tests_run_on_pymysql_when_mysqlclient_is_missing(
    tmp_path: Path, mysql_server_url: str
) -> None:
    hidden = tmp_path / "hide" / "MySQLdb"
    hidden.mkdir(parents=True)
    (hidden / "__init__.py").write_text('raise ImportError("mysqlclient is not installed")\n')
    env = {
        **os.environ,
        "PYTHONPATH": str(hidden.parent),
        "CI": "true",
        "ZDM_TEST_MYSQL_URL": mysql_server_url.replace("+pymysql", "+mysqldb"),
    }
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "-q",
            "-p",
            "no:cacheprovider",
            "tests/mysql/test_bad_input.py",
            "tests/mysql/test_patterns_live.py::test_phase_by_phase_with_writers[safe_rename_column]",
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        env=env,
        timeout=280,
    )
    out = done.stdout
    assert done.returncode == 0, out[-3000:]
    assert "skipped" not in out
    summary = out[out.index("= databases =") :]
    line = next(x for x in summary.splitlines() if x.startswith("MySQL/MariaDB"))
    assert "via pymysql" in line
    passed, _, needed = line.split(": ", 1)[1].split(" tests")[0].partition(" of ")
    assert int(passed) == int(needed) >= 2, line
    assert "NOT EXERCISED" not in summary


def test_a_url_naming_a_missing_driver_gets_an_installed_one() -> None:
    pytest.importorskip("pymysql")
    url = "mysql+mysqldb://root@127.0.0.1:3306/test"
    changed = with_installed_driver(url)
    try:
        import MySQLdb  # noqa: F401
    except ImportError:
        assert changed == "mysql+pymysql://root@127.0.0.1:3306/test"
    else:
        assert changed == url
    assert with_installed_driver("mysql+pymysql://root@h/db") == "mysql+pymysql://root@h/db"
    assert with_installed_driver("postgresql+psycopg://u@h/db") == "postgresql+psycopg://u@h/db"
