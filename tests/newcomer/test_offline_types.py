"""Offline SQL of the README's own revision: column types come from env.py's
``target_metadata`` (or the ``models`` setting), and a type nowhere to be had fails
before any SQL is printed, with the argument to add."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from alembic_zdm.testing.project import make_project, write_revision

BIN = Path(sys.executable).parent

MODELS = """\
import sqlalchemy as sa

metadata = sa.MetaData()
users = sa.Table(
    "users",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("full_name", sa.String(120)),
    sa.Column("nickname", sa.Text),
)
"""

INITIAL = """
def upgrade():
    op.create_table(
        "users",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("name", sa.String(120)),
        sa.Column("legacy_flag", sa.Boolean),
    )
"""

README_REVISION = """
def expand():
    op.safe_rename_column("users", "name", "full_name")
    op.add_column("users", sa.Column("nickname", sa.Text(), nullable=True))

def migrate():
    op.backfill("users", set={"nickname": "full_name"}, where="nickname IS NULL")

def contract():
    op.drop_column("users", "legacy_flag")

def undo_contract():
    op.add_column("users", sa.Column("legacy_flag", sa.Boolean(), nullable=True))

def undo_expand():
    op.drop_column("users", "nickname")
"""

URLS = {
    "postgresql": "postgresql+psycopg://nobody@offline.invalid/none",
    "sqlite": "sqlite:///offline-only.db",
    "mysql": "mysql+pymysql://nobody@offline.invalid/none",
}


def _project(root: Path, url: str, how: str) -> Path:
    """The README's revision in a project whose env.py knows the models *how*."""
    make_project(root, url)
    write_revision(root, "r0", None, INITIAL)
    write_revision(root, "r1", "r0", README_REVISION)
    (root / "app_models.py").write_text(MODELS)
    env = root / "migrations" / "env.py"
    source = env.read_text()
    if how == "target_metadata":
        source = source.replace(
            "config = context.config", "from app_models import metadata\nconfig = context.config"
        ).replace("literal_binds=True,", "literal_binds=True, target_metadata=metadata,")
    env.write_text(source)
    ini = root / "alembic.ini"
    text = ini.read_text().replace("[alembic]\n", "[alembic]\nprepend_sys_path = %(here)s\n")
    if how == "models":
        text += "\n[alembic_zdm]\nmodels = app_models:metadata\n"
    ini.write_text(text)
    return root


def _alembic(root: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k != "ALEMBIC_CONFIG"}
    return subprocess.run(
        [str(BIN / "alembic"), *args],
        cwd=root,
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )


@pytest.mark.parametrize("dialect", sorted(URLS))
@pytest.mark.parametrize("how", ["target_metadata", "models"])
def test_readme_revision_renders_offline_with_types_from_the_models(
    tmp_path: Path, dialect: str, how: str
) -> None:
    root = _project(tmp_path, URLS[dialect], how)
    done = _alembic(root, "upgrade", "--sql", "zdm-phase:1")
    assert done.returncode == 0, done.stderr
    sql = done.stdout.upper()
    # the new column has the old column's type, read from the models
    assert "ADD COLUMN FULL_NAME VARCHAR(120)" in sql.replace('"', "").replace("`", "")
    assert "NICKNAME TEXT" in sql.replace('"', "").replace("`", "")
    assert "TRIGGER" in sql
    assert "DROP COLUMN" not in sql.replace("DROP COLUMN IF", "")  # contract is not in phase 1


@pytest.mark.parametrize("dialect", sorted(URLS))
def test_no_type_anywhere_fails_before_printing_any_sql(tmp_path: Path, dialect: str) -> None:
    root = _project(tmp_path, URLS[dialect], how="none")
    done = _alembic(root, "upgrade", "--sql", "zdm-phase:1")
    assert done.returncode != 0
    assert "CREATE TABLE" not in done.stdout and "ALTER TABLE" not in done.stdout
    message = done.stdout + done.stderr
    assert "pass existing_type=… (e.g. existing_type=sa.Text()) to safe_rename_column" in message
    assert "users.name" in message
    assert "Traceback" not in message


def test_sample_project_renders_expand_offline_on_postgresql_and_mariadb() -> None:
    """The sample project's own env.py hands its models to context.configure."""
    root = Path(__file__).resolve().parents[2] / "sample_project"
    for url in (URLS["postgresql"], URLS["mysql"]):
        env = {**os.environ, "DATABASE_URL": url}
        done = subprocess.run(
            [str(BIN / "alembic"), "upgrade", "--sql", "zdm-phase:1"],
            cwd=root,
            capture_output=True,
            text=True,
            env=env,
            timeout=120,
        )
        assert done.returncode == 0, done.stderr
        assert "email_address" in done.stdout, url


def test_sample_project_on_sqlite_refuses_the_table_rebuild_before_printing() -> None:
    """Batch mode rebuilds a table from the live one: offline it says so, and prints no SQL."""
    root = Path(__file__).resolve().parents[2] / "sample_project"
    env = {**os.environ, "DATABASE_URL": URLS["sqlite"]}
    done = subprocess.run(
        [str(BIN / "alembic"), "upgrade", "--sql", "zdm-phase:1"],
        cwd=root,
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )
    assert done.returncode != 0
    assert "CREATE TABLE" not in done.stdout
    assert "run this migration online" in done.stdout + done.stderr
