"""Provision throw-away databases for tests and the demo.

PostgreSQL comes from ``$ZDM_TEST_PG_URL`` (or ``$DATABASE_URL`` for the demo) when
set, otherwise from an embedded server (the ``pgserver`` package, installed with the
``demo`` extra). MySQL/MariaDB comes from ``$ZDM_TEST_MYSQL_URL``, otherwise the
local server on 127.0.0.1:3306 if one answers.
"""

from __future__ import annotations

import os
import secrets
import socket
import tempfile
from pathlib import Path

from sqlalchemy import create_engine, text
from sqlalchemy.engine import URL, make_url

_embedded: object | None = None


class NoDatabaseError(RuntimeError):
    """No database of the requested kind can be had on this machine."""


def _port_open(host: str, port: int) -> bool:
    try:
        with socket.create_connection((host, port), timeout=0.5):
            return True
    except OSError:
        return False


def embedded_postgres_url(data_dir: Path | None = None) -> str:
    """Start (once per process) an embedded PostgreSQL and return its URL."""
    global _embedded
    try:
        import pgserver  # type: ignore[attr-defined,unused-ignore]
    except ImportError as exc:
        raise NoDatabaseError(
            "No PostgreSQL: set ZDM_TEST_PG_URL or install the demo extra "
            "(pip install 'alembic-zdm[demo]') for the embedded server."
        ) from exc
    if _embedded is None:
        folder = data_dir or Path(tempfile.gettempdir()) / "alembic-zdm-pgserver"
        _embedded = pgserver.get_server(  # type: ignore[attr-defined]
            str(folder), cleanup_mode="stop"
        )
    uri: str = _embedded.get_uri()  # type: ignore[attr-defined]
    return str(make_url(uri).set(drivername="postgresql+psycopg"))


def base_postgres_url() -> str:
    """The server URL to create test databases on."""
    url = os.environ.get("ZDM_TEST_PG_URL")
    if url:
        return url
    return embedded_postgres_url()


MYSQL_DRIVERS = ("mysqldb", "pymysql")
"""MySQL drivers in order of preference: mysqlclient (C, needs the MariaDB headers
to install), then PyMySQL (pure Python, installs anywhere)."""


def mysql_driver() -> str:
    """The first installed MySQL driver of :data:`MYSQL_DRIVERS`."""
    for driver in MYSQL_DRIVERS:
        if _importable(driver):
            return driver
    raise NoDatabaseError(
        "No MySQL driver: install mysqlclient (needs the MariaDB client headers) or "
        "PyMySQL (pip install PyMySQL)."
    )


def with_installed_driver(url: str) -> str:
    """*url* with its MySQL driver replaced by an installed one when it names a missing one.

    ``mysql+mysqldb://…`` on a machine without mysqlclient becomes ``mysql+pymysql://…``;
    other URLs are returned unchanged.
    """
    parsed = make_url(url)
    if parsed.get_backend_name() not in ("mysql", "mariadb"):
        return url
    wanted = parsed.get_driver_name()
    if wanted not in MYSQL_DRIVERS or _importable(wanted):
        return url
    backend = parsed.get_backend_name()
    drivername = f"{backend}+{mysql_driver()}"
    return parsed.set(drivername=drivername).render_as_string(hide_password=False)


def _importable(driver: str) -> bool:
    import importlib

    try:
        importlib.import_module({"mysqldb": "MySQLdb", "pymysql": "pymysql"}[driver])
    except ImportError:
        return False
    return True


def base_mysql_url() -> str:
    """The MySQL/MariaDB server URL to create test databases on.

    Its driver is one that is installed (mysqlclient, else PyMySQL), whatever
    ``$ZDM_TEST_MYSQL_URL`` names.
    """
    url = os.environ.get("ZDM_TEST_MYSQL_URL")
    if url:
        return with_installed_driver(url)
    if _port_open("127.0.0.1", 3306):
        return f"mysql+{mysql_driver()}://root@127.0.0.1:3306/test"
    raise NoDatabaseError("No MySQL/MariaDB: set ZDM_TEST_MYSQL_URL or start a server on 3306.")


def create_database(server_url: str, prefix: str = "zdm_test") -> str:
    """Create a fresh, uniquely named database on *server_url*; return its URL."""
    url = make_url(server_url)
    name = f"{prefix}_{secrets.token_hex(4)}"
    admin = _admin_url(url)
    engine = create_engine(admin, isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as conn:
            conn.execute(text(f"CREATE DATABASE {name}"))
    finally:
        engine.dispose()
    return url.set(database=name).render_as_string(hide_password=False)


def drop_database(db_url: str) -> None:
    """Drop a database made by :func:`create_database` (terminating its sessions)."""
    url = make_url(db_url)
    name = url.database
    assert name and name.startswith("zdm_"), name
    engine = create_engine(_admin_url(url), isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as conn:
            if url.get_backend_name() == "postgresql":
                conn.execute(
                    text(
                        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                        "WHERE datname = :d AND pid <> pg_backend_pid()"
                    ),
                    {"d": name},
                )
            conn.execute(text(f"DROP DATABASE IF EXISTS {name}"))
            if url.get_backend_name() != "postgresql":  # its archive (docs/safety.md)
                conn.execute(text(f"DROP DATABASE IF EXISTS {name}_zdm_archive"))
    finally:
        engine.dispose()


def _admin_url(url: URL) -> URL:
    if url.get_backend_name() == "postgresql":
        return url.set(database="postgres")
    return url.set(database="mysql")
