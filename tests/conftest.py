"""Shared fixtures: real databases, one fresh database per test session.

PostgreSQL: ``$ZDM_TEST_PG_URL`` or the embedded server. MySQL/MariaDB:
``$ZDM_TEST_MYSQL_URL`` or the local server. A database test may skip only when no
database can be had **and** ``CI`` is unset; under ``CI=true`` it fails instead.
"""

from __future__ import annotations

import os
from collections import Counter
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

_DATABASES = {
    "pg_server_url": "PostgreSQL",
    "mysql_server_url": "MySQL/MariaDB",
    "sqlite_url": "SQLite",
}
_servers: dict[str, str] = {}
"""Database name -> "version via driver" of each server a test reached."""
_missing: dict[str, str] = {}
"""Database name -> why it could not be had (the tests that needed it skipped or failed)."""
_uses: dict[str, list[str]] = {}
_passed: Counter[str] = Counter()


def _describe(url: str) -> str:
    engine = sa.create_engine(url)
    try:
        with engine.connect() as conn:
            version = conn.execute(sa.text("SELECT VERSION()")).scalar()
    finally:
        engine.dispose()
    words = str(version).split()
    short = words[1] if words and words[0] == "PostgreSQL" else words[0] if words else "?"
    return f"{short} via {sa.engine.make_url(url).get_driver_name()}"


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Remember which databases each test needs (for the summary)."""
    for item in items:
        names = getattr(item, "fixturenames", ())
        _uses[item.nodeid] = [db for fixture, db in _DATABASES.items() if fixture in names]


def _used(request: pytest.FixtureRequest, database: str) -> None:
    """Count a test that reached *database* through ``getfixturevalue`` too."""
    dbs = _uses.setdefault(request.node.nodeid, [])
    if database not in dbs:
        dbs.append(database)


def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    """Count the passed tests of each database."""
    if report.when == "call" and report.passed:
        _passed.update(_uses.get(report.nodeid, ()))


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    """Say which databases the run exercised, and which it could not reach."""
    lines = []
    for db in _DATABASES.values():
        needed = sum(db in dbs for dbs in _uses.values())
        if not needed:
            continue
        where = f" ({_servers[db]})" if db in _servers else ""
        line = f"{db}{where}: {_passed[db]} of {needed} tests needing it passed"
        if db in _missing:
            line += f"; NOT EXERCISED: {_missing[db]}"
        lines.append(line)
    if lines:
        terminalreporter.section("databases")
        for line in lines:
            terminalreporter.write_line(line)


def _unavailable(reason: str, database: str) -> None:
    _missing[database] = reason
    if IN_CI:
        pytest.fail(f"CI=true and no database: {reason}", pytrace=False)
    pytest.skip(reason)


@pytest.fixture(scope="session")
def pg_server_url() -> str:
    """URL of a PostgreSQL server (not a test database)."""
    try:
        url = base_postgres_url()
        _servers["PostgreSQL"] = _describe(url)
    except NoDatabaseError as exc:
        _unavailable(str(exc), "PostgreSQL")
        raise
    except sa.exc.OperationalError as exc:
        _unavailable(f"the server at {url} does not answer ({exc.orig})", "PostgreSQL")
        raise
    return url


@pytest.fixture(scope="session")
def mysql_server_url() -> str:
    """URL of a MySQL/MariaDB server."""
    try:
        url = base_mysql_url()
        _servers["MySQL/MariaDB"] = _describe(url)
    except NoDatabaseError as exc:
        _unavailable(str(exc), "MySQL/MariaDB")
        raise
    except sa.exc.OperationalError as exc:
        _unavailable(f"the server at {url} does not answer ({exc.orig})", "MySQL/MariaDB")
        raise
    return url


@pytest.fixture
def pg_url(pg_server_url: str, request: pytest.FixtureRequest) -> Iterator[str]:
    """A fresh, empty PostgreSQL database for one test."""
    _used(request, "PostgreSQL")
    url = create_database(pg_server_url)
    try:
        yield url
    finally:
        drop_database(url)


@pytest.fixture
def mysql_url(mysql_server_url: str, request: pytest.FixtureRequest) -> Iterator[str]:
    """A fresh, empty MySQL/MariaDB database for one test."""
    _used(request, "MySQL/MariaDB")
    url = create_database(mysql_server_url)
    try:
        yield url
    finally:
        drop_database(url)


@pytest.fixture
def sqlite_url(tmp_path: os.PathLike[str], request: pytest.FixtureRequest) -> str:
    """A fresh SQLite database file for one test."""
    import sqlite3

    _used(request, "SQLite")
    _servers["SQLite"] = f"{sqlite3.sqlite_version} via pysqlite"
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
