"""The public histories tools/real_histories.py knows, and the stand-ins for their app modules.

Each entry says where the migrations are in the project's repository, the shape of its
env.py, the modules of the application that env.py and the revisions import (replaced
here by small stand-ins: the application itself is never needed, nor copied), the
PyPI packages the revisions import, and the database it runs on.
"""

from __future__ import annotations

import dataclasses
import importlib.util
import subprocess
import sys
from pathlib import Path

ANY = "ANY"
"""A stand-in module whose every attribute is a placeholder (called, it returns one)."""

_ANY_SOURCE = """
class _Placeholder:
    def __init__(self, name):
        self._name = name
    def __getattr__(self, name):
        return _Placeholder(self._name + "." + name)
    def __call__(self, *args, **kwargs):
        return _Placeholder(self._name + "()")
    def __iter__(self):
        return iter(())
    def __enter__(self):
        return self
    def __exit__(self, *exc):
        return False
    def __bool__(self):
        return False
    def __str__(self):
        return "stand-in " + self._name
    __repr__ = __str__
def __getattr__(name):
    if name.startswith("__"):
        raise AttributeError(name)
    return _Placeholder(__name__ + "." + name)
"""

_FLASK = """
import os, types
import sqlalchemy as sa
_url = os.environ["ZDM_HISTORY_URL"]
_db = types.SimpleNamespace(engine=types.SimpleNamespace(url=_url), metadata=sa.MetaData())
current_app = types.SimpleNamespace(
    config={"SQLALCHEMY_DATABASE_URI": _url},
    extensions={"migrate": types.SimpleNamespace(db=_db, configure_args={"compare_type": True})},
)
"""


_SQLALCHEMY_1_NAMES = """
import sqlalchemy
from sqlalchemy.engine import Connection
sqlalchemy.Binary = sqlalchemy.LargeBinary
_execute = Connection.execute
def _execute_text(self, statement, *args, **kwargs):
    if isinstance(statement, str):
        statement = sqlalchemy.text(statement)
    return _execute(self, statement, *args, **kwargs)
Connection.execute = _execute_text
"""
"""SQLAlchemy 1.x spellings a history still uses: ``sa.Binary``, ``conn.execute("SQL")``."""


@dataclasses.dataclass(frozen=True)
class History:
    """How to run one public history: where it is and what it imports from its app."""

    repo: str
    path: str
    env_shape: str
    stubs: dict[str, str] = dataclasses.field(default_factory=dict)
    packages: dict[str, str] = dataclasses.field(default_factory=dict)
    """import name -> PyPI requirement, installed when missing."""
    dialect: str = "postgresql"
    target: str = "postgresql>=15"
    prelude: str = ""
    """Python run before Alembic in every interpreter (compatibility shims)."""
    probe_commits: bool = False
    """The ``--add-phased`` revision commits before its ``autocommit_block()`` (see PROBE)."""
    skip: str = ""
    """Why the history cannot be run from an empty database (it is then only linted)."""


HISTORIES: dict[str, History] = {
    "warehouse": History(
        repo="pypi/warehouse",
        path="warehouse/migrations",
        env_shape="statements before configure(), transaction_per_migration, "
        "pg_advisory_lock, commit at the end",
        stubs={
            "warehouse": "import warehouse.utils.db.types  # noqa",
            "warehouse.db": "import sqlalchemy as sa\nmetadata = sa.MetaData()",
            "warehouse.utils": "",
            "warehouse.utils.db": "",
            "warehouse.utils.db.types": (
                "import sqlalchemy as sa\n"
                "class TZDateTime(sa.types.TypeDecorator):\n"
                "    impl = sa.DateTime\n"
                "    cache_ok = True"
            ),
        },
        packages={"alembic_postgresql_enum": "alembic-postgresql-enum", "packaging": "packaging"},
        target="postgresql>=17",
        probe_commits=True,
    ),
    "polar": History(
        repo="polarsource/polar",
        path="server/migrations",
        env_shape="asyncio, asyncpg, connection.run_sync",
        stubs={
            "polar": "",
            "polar.config": (
                "import os\n"
                "class _Settings:\n"
                "    def get_postgres_dsn(self, driver):\n"
                "        return os.environ['ZDM_HISTORY_URL'].replace("
                "'postgresql+psycopg:', 'postgresql+' + driver + ':')\n"
                "settings = _Settings()"
            ),
            "polar.models": (
                "import sqlalchemy.orm as orm\nclass Model(orm.DeclarativeBase):\n    pass"
            ),
        },
        packages={"alembic_utils": "alembic-utils", "asyncpg": "asyncpg"},
    ),
    "ctfd": History(
        repo="CTFd/CTFd",
        path="migrations",
        env_shape="Flask-Migrate's template (current_app)",
        stubs={
            "flask": _FLASK,
            "CTFd": "",
            "CTFd.models": "import sqlalchemy as db  # noqa",
            "CTFd.utils": ANY,
            "CTFd.utils.email": ANY,
        },
        target="mariadb>=10.11",
    ),
    "securedrop": History(
        repo="freedomofpress/securedrop",
        path="securedrop/alembic",
        env_shape="render_as_batch=True (SQLite), app imported inside try/except",
        stubs={
            "db": (
                "import types, sqlalchemy as sa\n"
                "db = types.SimpleNamespace(Model=types.SimpleNamespace(metadata=sa.MetaData()))"
            ),
            **{
                m: ANY
                for m in (
                    "journalist_app sdconfig models store worker encryption passphrases "
                    "redwood two_factor argon2 pretty_bad_protocol"
                ).split()
            },
        },
        dialect="sqlite",
        target="sqlite",
        prelude=_SQLALCHEMY_1_NAMES,
    ),
    "indico": History(
        repo="indico/indico",
        path="indico/migrations",
        env_shape="Flask app, include_schemas, version table in public",
        skip="its first revision alters tables made by the application's create_all",
    ),
    "redash": History(
        repo="getredash/redash",
        path="migrations",
        env_shape="Flask-Migrate's template",
        target="postgresql>=16",
        skip="its first revision adds columns to tables made by the application's create_all",
    ),
    "lemur": History(
        repo="Netflix/lemur",
        path="lemur/migrations",
        env_shape="Flask-Migrate's template",
        target="postgresql>=13",
        skip="its first revision references tables made by the application's create_all",
    ),
}


def write_stubs(history: History, into: Path) -> None:
    """Write the stand-in modules of *history* as packages under *into*."""
    names = set(history.stubs)
    for name, source in history.stubs.items():
        parts = name.split(".")
        is_package = any(other.startswith(name + ".") for other in names)
        folder = into.joinpath(*parts[:-1])
        folder.mkdir(parents=True, exist_ok=True)
        target = folder / parts[-1] / "__init__.py" if is_package else folder / f"{parts[-1]}.py"
        target.parent.mkdir(parents=True, exist_ok=True)
        text = _ANY_SOURCE if source == ANY else source
        target.write_text(f'"""Stand-in for {name} (tools/real_histories.py)."""\n{text}\n')


def install_packages(history: History) -> None:
    """pip-install the PyPI packages the history imports, into this virtualenv, if missing."""
    missing = [
        req for mod, req in history.packages.items() if importlib.util.find_spec(mod) is None
    ]
    if missing:
        print(f"installing {', '.join(missing)} (for this run only, not a project dependency)")
        subprocess.run([sys.executable, "-m", "pip", "install", "-q", *missing], check=True)


PROBE = '''"""alembic-zdm's probe: a phased revision put on top of a public history.

Written by tools/real_histories.py --add-phased into the exported copy only.
"""

import sqlalchemy as sa
from alembic import op

revision = "zdmprobe0001"
down_revision = "{down}"
branch_labels = None
depends_on = None
CONCURRENTLY = {concurrently}
COMMIT_FIRST = {commit_first}


def expand():
    op.create_table(
        "zdm_probe",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("name", sa.String(50)),
        sa.Column("legacy", sa.Text),
    )
    op.execute("INSERT INTO zdm_probe (id, name, legacy) VALUES (1, 'Ann', 'x'), (2, NULL, 'y')")
    op.add_column("zdm_probe", sa.Column("name_lower", sa.String(50)))
    if CONCURRENTLY:
        if COMMIT_FIRST:
            op.get_bind().commit()
        with op.get_context().autocommit_block():
            op.create_index("ix_zdm_probe_name", "zdm_probe", ["name"], postgresql_concurrently=True)
    else:
        op.create_index("ix_zdm_probe_name", "zdm_probe", ["name"])


def migrate():
    op.execute("UPDATE zdm_probe SET name_lower = lower(name)")


def contract():
    op.drop_column("zdm_probe", "legacy")


def undo_contract():
    op.add_column("zdm_probe", sa.Column("legacy", sa.Text))


def undo_migrate():
    pass


def undo_expand():
    op.drop_table("zdm_probe")


def upgrade():
    expand()
    migrate()
    contract()


def downgrade():
    undo_contract()
    undo_migrate()
    undo_expand()
'''
"""A phased revision of our own (``--add-phased``), so that the phase runner meets the
history's env.py with a phased revision pending: expand creates a table and builds an
index concurrently in ``autocommit_block()``, migrate fills a column, contract drops one.
It commits by itself before the concurrent index only where the history's env.py needs
that (``History.probe_commits``): in warehouse's env.py (a transaction auto-begun
before ``configure()``) stock's ``autocommit_block()`` fails without it, while stock
Alembic without ``transaction_per_migration`` loses everything after such a commit,
the contract and the version move included (docs/phases.md)."""
