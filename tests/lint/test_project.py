"""Project awareness: env.py, alembic.ini and pyproject.toml decide facts for every revision."""

from __future__ import annotations

import dataclasses
import textwrap
from pathlib import Path

import pytest
from lintcase import HEADER

from alembic_zdm.config import ZdmSettings
from alembic_zdm.lint import api
from alembic_zdm.lint.extract.project import find_env_py, read_project
from alembic_zdm.lint.settings import LintSettings
from alembic_zdm.lint.target import Target

ENV_PY = """
from alembic import context
from sqlalchemy import create_engine, pool, text


def run_migrations_online():
    url = context.config.get_main_option("sqlalchemy.url")
    connectable = create_engine(url, poolclass=pool.NullPool{connect_args})
    with connectable.connect() as connection:
        {set_line}
        context.configure(connection=connection, transaction_per_migration=True)
        with context.begin_transaction():
            context.run_migrations()


run_migrations_online()
"""

ADD_COLUMN = HEADER + textwrap.dedent(
    """\
    def upgrade() -> None:
        op.add_column("users", sa.Column("nickname", sa.Text()))


    def downgrade() -> None:
        op.drop_column("users", "nickname")
    """
)

PRAGMA = HEADER + textwrap.dedent(
    """\
    def upgrade() -> None:
        conn = op.get_bind()
        conn.execute(sa.text("PRAGMA legacy_alter_table=ON"))
        conn.execute(sa.text("UPDATE OR IGNORE journalists SET otp_secret = :s WHERE id = :id"), {"s": "x", "id": 1})


    def downgrade() -> None:
        pass
    """
)


def make_project(
    root: Path,
    revision: str,
    *,
    set_line: str = "pass",
    connect_args: str = "",
    ini_url: str | None = None,
    pyproject: str | None = None,
) -> Path:
    migrations = root / "migrations"
    (migrations / "versions").mkdir(parents=True)
    (migrations / "env.py").write_text(
        ENV_PY.format(set_line=set_line, connect_args=connect_args), encoding="utf-8"
    )
    (migrations / "versions" / "a1b2c3d4e5f6_change.py").write_text(revision, encoding="utf-8")
    if ini_url is not None:
        (migrations / "alembic.ini").write_text(
            f"[alembic]\nscript_location = .\nsqlalchemy.url = {ini_url}\n", encoding="utf-8"
        )
    if pyproject is not None:
        (root / "pyproject.toml").write_text(pyproject, encoding="utf-8")
    return migrations / "versions"


def rules_of(root: Path, versions: Path, settings: LintSettings | None = None) -> list[str]:
    pyproject = root / "pyproject.toml"
    options = api.LintOptions(
        paths=[versions], root=root, pyproject=pyproject if pyproject.exists() else None
    )
    return [f.rule for f in api.lint(options, settings).findings]


@pytest.mark.parametrize(
    ("set_line", "connect_args"),
    [
        ('connection.execute(text("SET lock_timeout = 4000"))', ""),
        ("pass", ', connect_args={"options": "-c lock_timeout=5s -c statement_timeout=60s"}'),
        (
            "@event.listens_for(connection, 'begin')\n"
            "        def _timeouts(conn):\n"
            "            conn.exec_driver_sql(\"SET LOCAL lock_timeout = '3s'\")",
            "",
        ),
        ('connection.execute(text(f"SET lock_timeout = {LOCK_TIMEOUT_MS}"))', ""),
    ],
    ids=["SET via execute", "connect_args options", "SET LOCAL in a begin listener", "f-string"],
)
def test_lock_timeout_in_env_py_silences_zdm123(
    tmp_path: Path, set_line: str, connect_args: str
) -> None:
    versions = make_project(tmp_path, ADD_COLUMN, set_line=set_line, connect_args=connect_args)
    project = read_project(find_env_py(versions), tmp_path, None)
    assert project.lock_timeout_in_effect is not None
    assert project.lock_timeout_in_effect.where.startswith("migrations/env.py:")
    assert "ZDM123" not in rules_of(tmp_path, versions)


def test_without_a_timeout_zdm123_says_where_it_was_expected(tmp_path: Path) -> None:
    versions = make_project(tmp_path, ADD_COLUMN)
    findings = api.lint(api.LintOptions(paths=[versions], root=tmp_path)).findings
    zdm123 = [f for f in findings if f.rule == "ZDM123"]
    assert zdm123 and all(
        "set it for every migration in migrations/env.py" in f.help for f in zdm123
    )


def test_a_zero_lock_timeout_is_no_timeout(tmp_path: Path) -> None:
    versions = make_project(
        tmp_path, ADD_COLUMN, set_line='connection.execute(text("SET lock_timeout = 0"))'
    )
    assert "ZDM123" in rules_of(tmp_path, versions)


def test_env_py_facts(tmp_path: Path) -> None:
    versions = make_project(
        tmp_path,
        ADD_COLUMN,
        set_line='connection.execute(text("SET statement_timeout = 5000"))',
    )
    project = read_project(find_env_py(versions), tmp_path, None)
    assert project.env_py == "migrations/env.py"
    assert project.statement_timeout is not None and project.statement_timeout.value == "5000"
    assert project.lock_timeout is None
    assert project.transaction_per_migration is not None


def test_sqlite_url_in_alembic_ini_chooses_the_target(tmp_path: Path) -> None:
    versions = make_project(tmp_path, PRAGMA, ini_url="sqlite:///var/lib/app/db.sqlite")
    project = read_project(find_env_py(versions), tmp_path, None)
    assert project.dialect is not None and project.dialect.value == "sqlite"
    assert rules_of(tmp_path, versions) == []
    # a target that was chosen wins over the URL
    chosen = rules_of(tmp_path, versions, LintSettings(target=Target.parse("postgresql>=12")))
    assert chosen == ["ZDM903", "ZDM903"]


def test_a_template_url_says_nothing(tmp_path: Path) -> None:
    versions = make_project(tmp_path, ADD_COLUMN, ini_url="driver://user:pass@localhost/dbname")
    assert read_project(find_env_py(versions), tmp_path, None).dialect is None


def test_the_url_from_pyproject_target_setting_wins(tmp_path: Path) -> None:
    versions = make_project(
        tmp_path,
        PRAGMA,
        ini_url="sqlite:///app.db",
        pyproject='[tool.alembic_zdm.lint]\ntarget = "postgresql>=15"\n',
    )
    from alembic_zdm.lint import settings as lint_settings
    from alembic_zdm.lint.registry import all_rules

    loaded, _ = lint_settings.load(tmp_path, all_rules())
    assert rules_of(tmp_path, versions, loaded) == ["ZDM903", "ZDM903"]


HAS_GUARD = "guard_plain_revisions" in {f.name for f in dataclasses.fields(ZdmSettings)}


@pytest.mark.parametrize("value", ["true", "false", None])
def test_plugin_guard_of_plain_revisions(tmp_path: Path, value: str | None) -> None:
    table = "[tool.alembic_zdm]\nlock_timeout_ms = 800\n"
    if value is not None:
        table += f"guard_plain_revisions = {value}\n"
    versions = make_project(tmp_path, ADD_COLUMN, pyproject=table)
    project = read_project(find_env_py(versions), tmp_path, tmp_path / "pyproject.toml")
    guarded = HAS_GUARD and value != "false"
    assert (project.guard_plain is not None) is guarded
    assert ("ZDM123" in rules_of(tmp_path, versions)) is not guarded


def test_results_are_cached_per_project_facts(tmp_path: Path) -> None:
    versions = make_project(tmp_path, ADD_COLUMN)
    cache = tmp_path / "cache"
    options = api.LintOptions(paths=[versions], root=tmp_path, cache_dir=cache)
    assert "ZDM123" in [f.rule for f in api.lint(options).findings]
    (versions.parent / "env.py").write_text(
        ENV_PY.format(
            set_line='connection.execute(text("SET lock_timeout = 4000"))', connect_args=""
        ),
        encoding="utf-8",
    )
    assert "ZDM123" not in [f.rule for f in api.lint(options).findings]


CREATE_TRIGGER = textwrap.dedent(
    """
    from alembic import op

    revision = "a1b2c3d4e5f6"
    down_revision = None


    def upgrade() -> None:
        op.execute(
            "CREATE TRIGGER release_files_requires_python AFTER INSERT ON release_files "
            "FOR EACH ROW EXECUTE PROCEDURE update_requires_python()"
        )


    def downgrade() -> None:
        op.execute("DROP TRIGGER release_files_requires_python ON release_files")
    """
)


def test_lock_timeout_in_env_py_also_silences_zdm121(tmp_path: Path) -> None:
    quiet = tmp_path / "with"
    loud = tmp_path / "without"
    set_line = 'connection.execute(text("SET lock_timeout = 4000"))'
    with_timeout = make_project(quiet, CREATE_TRIGGER, set_line=set_line)
    without = make_project(loud, CREATE_TRIGGER)
    assert "ZDM121" not in rules_of(quiet, with_timeout)
    assert "ZDM121" in rules_of(loud, without)
