"""Shared fixtures: real databases, one fresh database per test session.

PostgreSQL: ``$ZDM_TEST_PG_URL`` or the embedded server. MySQL/MariaDB:
``$ZDM_TEST_MYSQL_URL`` or the local server. A database test may skip only when no
database can be had **and** ``CI`` is unset; under ``CI=true`` it fails instead.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator

import pytest
import sqlalchemy as sa

from alembic_zdm.ops import register_all
from alembic_zdm.testing.databases import (
    NoDatabaseError,
    base_mysql_url,
    base_postgres_url,
    create_database,
    drop_database,
)

register_all()  # tests look at Operations directly; in real use the plugin does this lazily

IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")


def _unavailable(reason: str) -> None:
    if IN_CI:
        pytest.fail(f"CI=true and no database: {reason}", pytrace=False)
    pytest.skip(reason)


@pytest.fixture(scope="session")
def pg_server_url() -> str:
    """URL of a PostgreSQL server (not a test database)."""
    try:
        return base_postgres_url()
    except NoDatabaseError as exc:
        _unavailable(str(exc))
        raise


@pytest.fixture(scope="session")
def mysql_server_url() -> str:
    """URL of a MySQL/MariaDB server."""
    try:
        url = base_mysql_url()
        import MySQLdb  # noqa: F401
    except (NoDatabaseError, ImportError) as exc:
        _unavailable(str(exc))
        raise
    return url


@pytest.fixture
def pg_url(pg_server_url: str) -> Iterator[str]:
    """A fresh, empty PostgreSQL database for one test."""
    url = create_database(pg_server_url)
    try:
        yield url
    finally:
        drop_database(url)


@pytest.fixture
def mysql_url(mysql_server_url: str) -> Iterator[str]:
    """A fresh, empty MySQL/MariaDB database for one test."""
    url = create_database(mysql_server_url)
    try:
        yield url
    finally:
        drop_database(url)


@pytest.fixture
def sqlite_url(tmp_path: os.PathLike[str]) -> str:
    """A fresh SQLite database file for one test."""
    return f"sqlite:///{os.path.join(tmp_path, 'test.db')}"


@pytest.fixture
def engine(pg_url: str) -> Iterator[sa.Engine]:
    """An engine on the test's fresh PostgreSQL database."""
    eng = sa.create_engine(pg_url)
    try:
        yield eng
    finally:
        eng.dispose()


@pytest.fixture
def sql(engine: sa.Engine) -> Callable[..., list[tuple[object, ...]]]:
    """Run SQL in its own committed transaction on the ``pg_url`` database; return the rows."""

    def run(statement: str, **params: object) -> list[tuple[object, ...]]:
        with engine.begin() as conn:
            result = conn.execute(sa.text(statement), params)
            return [tuple(r) for r in result] if result.returns_rows else []

    return run
