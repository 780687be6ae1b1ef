"""generate writes phased revisions through Alembic that lint clean and run phase by phase."""

from __future__ import annotations

from pathlib import Path

import pytest
from alembic import command
from alembic.config import Config
from sqlalchemy import create_engine, inspect, text

from alembic_zdm.cli import main as zdm_main
from alembic_zdm.testing.project import make_project

SETUP = """
def upgrade():
    op.execute("CREATE TABLE users (id serial PRIMARY KEY, name text, age int)")
    op.execute("INSERT INTO users (name, age) SELECT 'u' || g, g FROM generate_series(1, 500) g")

def downgrade():
    op.execute("DROP TABLE users")
"""


def _project(tmp_path: Path, url: str) -> str:
    make_project(tmp_path, url, [("setup", SETUP)])
    ini = str(tmp_path / "alembic.ini")
    assert zdm_main(["-c", ini, "init", "--existing"]) == 0
    return ini


def test_generate_rename_then_run_it(
    tmp_path: Path, pg_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    ini = _project(tmp_path, pg_url)
    code = zdm_main(
        [
            "-c",
            ini,
            "generate",
            "rename-column",
            "--table",
            "users",
            "--column",
            "name",
            "--to",
            "full_name",
            "--rev-id",
            "ren1",
        ]
    )
    assert code == 0
    path = Path(capsys.readouterr().out.split("Generated ", 1)[1].strip())
    source = path.read_text()
    assert "def expand() -> None:" in source
    assert "    op.safe_rename_column('users', 'name', 'full_name')" in source
    assert "down_revision: Union[str, Sequence[str], None] = 'setup'" in source
    cfg = Config(ini)
    command.upgrade(cfg, "zdm-phase:2")
    command.upgrade(cfg, "head")
    engine = create_engine(pg_url)
    with engine.connect() as conn:
        cols = {c["name"] for c in inspect(conn).get_columns("users")}
        filled = conn.execute(text("SELECT count(full_name) FROM users")).scalar()
    engine.dispose()
    assert cols == {"id", "full_name", "age"}
    assert filled == 500


def test_generate_index_has_undo(
    tmp_path: Path, sqlite_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    ini = _project(tmp_path, sqlite_url)
    assert (
        zdm_main(
            [
                "-c",
                ini,
                "generate",
                "add-index",
                "--table",
                "users",
                "--column",
                "age",
                "--rev-id",
                "ix1",
            ]
        )
        == 0
    )
    source = Path(capsys.readouterr().out.split("Generated ", 1)[1].strip()).read_text()
    assert "    op.add_index_concurrently('ix_users_age', 'users', ['age'])" in source
    assert "    op.drop_index_concurrently('ix_users_age', 'users')" in source


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            ["change-column-type", "--table", "users", "--column", "age", "--type", "BigInteger"],
            "--type 'BigInteger' does not build a SQLAlchemy type: name 'BigInteger' is not defined.",
        ),
        (
            [
                "change-column-type",
                "--table",
                "users",
                "--column",
                "age",
                "--type",
                "__import__('os')",
            ],
            "--type \"__import__('os')\" does not build a SQLAlchemy type: name '__import__' is not defined.",
        ),
        (
            ["rename-column", "--table", "users", "--column", "name"],
            "Pattern 'rename-column' needs --to NEW_NAME.",
        ),
        (
            ["add-foreign-key", "--table", "users", "--column", "age", "--references", "orders"],
            "Pattern 'add-foreign-key' needs --references TABLE.COLUMN.",
        ),
    ],
)
def test_generate_bad_input_is_one_sentence(
    tmp_path: Path,
    sqlite_url: str,
    capsys: pytest.CaptureFixture[str],
    args: list[str],
    message: str,
) -> None:
    ini = _project(tmp_path, sqlite_url)
    before = set((tmp_path / "migrations" / "versions").iterdir())
    capsys.readouterr()
    assert zdm_main(["-c", ini, "generate", *args]) == 1
    assert capsys.readouterr().err.strip() == f"alembic-zdm: error: {message}"
    assert set((tmp_path / "migrations" / "versions").iterdir()) == before


def test_generate_needs_phase_aware_template(
    tmp_path: Path, sqlite_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    make_project(tmp_path, sqlite_url, [("setup", SETUP)])
    assert (
        zdm_main(
            ["-c", str(tmp_path / "alembic.ini"), "generate", "drop-table", "--table", "users"]
        )
        == 1
    )
    assert "run 'alembic-zdm init --existing' first" in capsys.readouterr().err


def test_cli_pattern_names_match_the_patterns() -> None:
    from alembic_zdm.cli.generate import PATTERN_NAMES
    from alembic_zdm.phases.generate import PATTERNS

    assert PATTERN_NAMES == tuple(sorted(PATTERNS))
