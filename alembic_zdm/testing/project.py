"""Build small Alembic projects on disk, for tests (ours and users')."""

from __future__ import annotations

import textwrap
from pathlib import Path

from alembic.config import Config

ENV_PY = """\
from logging.config import fileConfig

from alembic import context
from sqlalchemy import engine_from_config, pool

config = context.config
if config.config_file_name is not None and config.get_section("loggers"):
    fileConfig(config.config_file_name)


def run_migrations_offline() -> None:
    context.configure(
        url=config.get_main_option("sqlalchemy.url"),
        literal_binds=True,
        dialect_opts={"paramstyle": "named"},
    )
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    connectable = engine_from_config(
        config.get_section(config.config_ini_section, {}),
        prefix="sqlalchemy.",
        poolclass=pool.NullPool,
    )
    with connectable.connect() as connection:
        context.configure(connection=connection{configure_extra})
        with context.begin_transaction():
            context.run_migrations()
    connectable.dispose()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
"""

INI = """\
[alembic]
script_location = %(here)s/migrations
path_separator = os
sqlalchemy.url = {url}

[loggers]
keys = root,sqlalchemy,alembic

[handlers]
keys = console

[formatters]
keys = generic

[logger_root]
level = WARNING
handlers = console
qualname =

[logger_sqlalchemy]
level = WARNING
handlers =
qualname = sqlalchemy.engine

[logger_alembic]
level = INFO
handlers =
qualname = alembic

[handler_console]
class = StreamHandler
args = (sys.stderr,)
level = NOTSET
formatter = generic

[formatter_generic]
format = %(levelname)-5.5s [%(name)s] %(message)s
"""


def revision_source(revision: str, down_revision: str | None, body: str, message: str = "") -> str:
    """Source of a revision file: the header Alembic needs, then *body* (dedented)."""
    header = (
        f'"""{message or revision}\n\nRevision ID: {revision}\n"""\n'
        "from alembic import op\nimport sqlalchemy as sa\n\n"
        f"revision = {revision!r}\ndown_revision = {down_revision!r}\n"
        "branch_labels = None\ndepends_on = None\n\n"
    )
    return header + textwrap.dedent(body).strip() + "\n"


def make_project(
    root: Path,
    url: str,
    revisions: list[tuple[str, str]] | None = None,
    configure_extra: str = "",
) -> Config:
    """Write ``alembic.ini``, ``migrations/env.py`` and revision files; return the Config.

    :param revisions: ``(revision_id, body)`` pairs, chained in order.
    :param configure_extra: extra text inside ``context.configure(...)`` of online env.py,
        e.g. ``", transaction_per_migration=True"``.
    """
    root.mkdir(parents=True, exist_ok=True)
    (root / "alembic.ini").write_text(INI.format(url=url.replace("%", "%%")))
    migrations = root / "migrations"
    (migrations / "versions").mkdir(parents=True, exist_ok=True)
    (migrations / "env.py").write_text(ENV_PY.replace("{configure_extra}", configure_extra))
    (migrations / "script.py.mako").write_text(_plain_template())
    down: str | None = None
    for rev, body in revisions or []:
        write_revision(root, rev, down, body)
        down = rev
    return Config(str(root / "alembic.ini"))


def write_revision(root: Path, revision: str, down_revision: str | None, body: str) -> Path:
    """Write one revision file into the project's versions folder."""
    path = root / "migrations" / "versions" / f"{revision}.py"
    path.write_text(revision_source(revision, down_revision, body))
    return path


def _plain_template() -> str:
    from importlib import resources

    import alembic

    return (resources.files(alembic) / "templates" / "generic" / "script.py.mako").read_text()
