"""The pytest plugin on a real project: a git history, two releases, one test file.

Each case writes a small application (``shop/models.py``) and its Alembic project, commits
the previous release, changes models and revisions for the new one, and runs pytest in a
subprocess with the plugin loaded by its entry point — the way a user's CI runs it.
"""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from alembic_zdm.testing.project import make_project, write_revision

MODELS_V1 = """
import sqlalchemy as sa
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

class Base(DeclarativeBase):
    pass

class User(Base):
    __tablename__ = "users"
    id: Mapped[int] = mapped_column(sa.Integer, primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(50), nullable=False)
    email: Mapped[str | None] = mapped_column(sa.String(80), nullable=True)
"""

USERS = """
def upgrade():
    op.create_table(
        "users",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("name", sa.String(50), nullable=False),
        sa.Column("email", sa.String(80), nullable=True),
    )

def downgrade():
    op.drop_table("users")
"""

TEST_FILE = "from alembic_zdm.testing.checks import *  # noqa: F403\n"


def _git(root: Path, *args: str) -> None:
    subprocess.run(
        ["git", "-C", str(root), *args],
        check=True,
        capture_output=True,
        env={**os.environ, "GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@t",
             "GIT_COMMITTER_NAME": "t", "GIT_COMMITTER_EMAIL": "t@t"},
    )  # fmt: skip


def _project(root: Path, server_url: str) -> None:
    """Release v1 committed and tagged: models with users(id, name, email), one revision."""
    make_project(root, server_url, [("r0", USERS)])
    (root / "shop").mkdir()
    (root / "shop" / "__init__.py").write_text("")
    (root / "shop" / "models.py").write_text(MODELS_V1)
    (root / "pyproject.toml").write_text('[tool.alembic_zdm]\nmodels = "shop.models:Base"\n')
    (root / "tests").mkdir()
    (root / "tests" / "test_migrations.py").write_text(TEST_FILE)
    _git(root, "init", "-q")
    _git(root, "add", "-A")
    _git(root, "commit", "-qm", "v1")
    _git(root, "tag", "v1")


def _release_v2(root: Path, models: str, revision: str) -> None:
    (root / "shop" / "models.py").write_text(models)
    write_revision(root, "r1", "r0", revision)


def _pytest(root: Path, server_url: str, *select: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(root)}
    return subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "--rootdir", str(root),
         "--zdm-url", server_url, "--zdm-previous-ref", "v1", "tests/test_migrations.py",
         *(["-k", " or ".join(select)] if select else [])],
        cwd=root, capture_output=True, text=True, env=env, timeout=600,
    )  # fmt: skip


WITHOUT_EMAIL = MODELS_V1.replace(
    "    email: Mapped[str | None] = mapped_column(sa.String(80), nullable=True)\n", ""
)
RENAMED = MODELS_V1.replace(
    "name: Mapped[str] = mapped_column(sa.String(50), nullable=False)",
    "full_name: Mapped[str] = mapped_column(sa.String(50), nullable=False)",
)


def test_naive_drop_of_a_column_the_previous_release_selects_fails(
    tmp_path: Path, pg_server_url: str
) -> None:
    _project(tmp_path, pg_server_url)
    _release_v2(
        tmp_path,
        WITHOUT_EMAIL,
        "def upgrade():\n    op.drop_column('users', 'email')\n"
        "def downgrade():\n    op.add_column('users', sa.Column('email', sa.String(80)))\n",
    )
    out = _pytest(tmp_path, pg_server_url, "previous_release")
    assert out.returncode == 1, out.stdout + out.stderr
    assert "previous release (v1), after the expand of r1" in out.stdout
    assert "email" in out.stdout and "does not exist" in out.stdout


def test_safe_drop_column_passes(tmp_path: Path, pg_server_url: str) -> None:
    _project(tmp_path, pg_server_url)
    _release_v2(
        tmp_path,
        WITHOUT_EMAIL,
        "def expand():\n    op.safe_drop_column('users', 'email', existing_type=sa.String(80))\n",
    )
    out = _pytest(tmp_path, pg_server_url)
    assert out.returncode == 0, out.stdout + out.stderr
    assert "6 passed" in out.stdout


def test_naive_rename_fails_and_safe_rename_passes(tmp_path: Path, pg_server_url: str) -> None:
    _project(tmp_path, pg_server_url)
    _release_v2(
        tmp_path,
        RENAMED,
        "def upgrade():\n    op.alter_column('users', 'name', new_column_name='full_name')\n"
        "def downgrade():\n    op.alter_column('users', 'full_name', new_column_name='name')\n",
    )
    out = _pytest(tmp_path, pg_server_url, "previous_release")
    assert out.returncode == 1, out.stdout + out.stderr
    assert "previous release (v1), after the expand of r1" in out.stdout
    assert "users.name" in out.stdout or '"name"' in out.stdout

    write_revision(
        tmp_path, "r1", "r0",
        "def expand():\n    op.safe_rename_column('users', 'name', 'full_name')\n",
    )  # fmt: skip
    out = _pytest(tmp_path, pg_server_url)
    assert out.returncode == 0, out.stdout + out.stderr


def test_round_trip_catches_an_undo_that_forgets_something(
    tmp_path: Path, pg_server_url: str
) -> None:
    _project(tmp_path, pg_server_url)
    _release_v2(
        tmp_path,
        MODELS_V1,
        textwrap.dedent(
            """
            def expand():
                op.add_column("users", sa.Column("nickname", sa.Text(), nullable=True))
                op.create_index("ix_users_nickname", "users", ["nickname"])

            def undo_expand():
                op.drop_index("ix_users_nickname", "users")
            """
        ),
    )
    out = _pytest(tmp_path, pg_server_url, "round_trips")
    assert out.returncode == 1, out.stdout + out.stderr
    assert (
        "Undoing the expand of r1 (alembic-zdm rollback) did not restore the schema" in out.stdout
    )
    assert "nickname" in out.stdout


def test_two_heads_fail_the_single_head_check(tmp_path: Path, pg_server_url: str) -> None:
    _project(tmp_path, pg_server_url)
    write_revision(tmp_path, "b1", "r0", "def upgrade():\n    pass\ndef downgrade():\n    pass\n")
    write_revision(tmp_path, "b2", "r0", "def upgrade():\n    pass\ndef downgrade():\n    pass\n")
    out = _pytest(tmp_path, pg_server_url, "single_head")
    assert out.returncode == 1 and "The history has 2 heads (b1, b2)" in out.stdout


@pytest.mark.parametrize("model_change", ["column missing from the revisions"])
def test_models_that_do_not_match_head_fail(
    tmp_path: Path, pg_server_url: str, model_change: str
) -> None:
    _project(tmp_path, pg_server_url)
    extra = "    age: Mapped[int | None] = mapped_column(sa.Integer, nullable=True)\n"
    (tmp_path / "shop" / "models.py").write_text(MODELS_V1 + extra)
    out = _pytest(tmp_path, pg_server_url, "models_match")
    assert out.returncode == 1, out.stdout + out.stderr
    assert "add_column" in out.stdout and "age" in out.stdout
