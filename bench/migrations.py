"""A tiny, throw-away Alembic project, driven through ``alembic.command``.

It looks like a user's project: an ``alembic.ini``, a plain ``env.py`` (one
connection, ``transaction_per_migration``) and revision files. The URL reaches
``env.py`` through ``Config.attributes["url"]`` (in-process runs) or the
``ZDM_BENCH_MIGRATION_URL`` environment variable (``alembic`` console script).
"""

from __future__ import annotations

import textwrap
from pathlib import Path

from alembic.config import Config

URL_ENV = "ZDM_BENCH_MIGRATION_URL"

ALEMBIC_INI = """\
[alembic]
script_location = %(here)s
path_separator = os
"""

ENV_PY = """\
import os

from alembic import context
from sqlalchemy import create_engine, pool

config = context.config
url = config.attributes.get("url") or os.environ["ZDM_BENCH_MIGRATION_URL"]


def run_migrations_offline() -> None:
    context.configure(url=url, literal_binds=True, transaction_per_migration=True)
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    engine = create_engine(url, poolclass=pool.NullPool)
    with engine.connect() as connection:
        context.configure(connection=connection, transaction_per_migration=True)
        with context.begin_transaction():
            context.run_migrations()
    engine.dispose()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
"""

REVISION = '''\
"""{message}"""

import sqlalchemy as sa
from alembic import op

revision = {revision!r}
down_revision = {down_revision!r}
branch_labels = None
depends_on = None

{functions}
'''


class AlembicProject:
    """An Alembic environment in *directory* with a linear chain of revisions.

    :param directory: an empty folder to write the project into.
    :param url: the database URL ``env.py`` connects to (``None``: read ``$ZDM_BENCH_MIGRATION_URL``).
    :param per_migration: ``transaction_per_migration=True`` in ``env.py``; ``False`` gives
        Alembic's default template, where all revisions of a run share one transaction.
    """

    def __init__(
        self, directory: Path, url: str | None = None, *, per_migration: bool = True
    ) -> None:
        self.directory = directory
        self.url = url
        self.head: str | None = None
        (directory / "versions").mkdir(parents=True, exist_ok=True)
        self.ini = directory / "alembic.ini"
        self.ini.write_text(ALEMBIC_INI)
        env_py = ENV_PY if per_migration else ENV_PY.replace(", transaction_per_migration=True", "")
        (directory / "env.py").write_text(env_py)

    def add_revision(self, revision: str, message: str, functions: dict[str, str]) -> None:
        """Write a revision on top of the current head.

        :param functions: name of each module-level function (``upgrade``,
            ``expand``, …) → its body (Python statements, unindented).
        """
        parts = []
        for name, body in functions.items():
            code = textwrap.indent(textwrap.dedent(body).strip() or "pass", "    ")
            parts.append(f"def {name}() -> None:\n{code}\n")
        text = REVISION.format(
            message=message,
            revision=revision,
            down_revision=self.head,
            functions="\n\n".join(parts),
        )
        (self.directory / "versions" / f"{revision}.py").write_text(text)
        self.head = revision

    def config(self) -> Config:
        """An Alembic ``Config`` for this project."""
        cfg = Config(str(self.ini))
        if self.url is not None:
            cfg.attributes["url"] = self.url
        return cfg
