"""The contract gate on MariaDB: application names through ``performance_schema``.

MySQL and MariaDB have no ``application_name``; clients send a ``program_name``
connection attribute (PyMySQL ``program_name=``, Connector/Python ``conn_attrs``),
which only ``performance_schema.session_connect_attrs`` shows. Its setting is fixed at
server start, so each case starts a private server with it on or off
(:class:`~alembic_zdm.testing.mariadb_server.PrivateMariaDB`).
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
import sqlalchemy as sa
from alembic import command
from alembic.config import Config
from alembic.util import CommandError

from alembic_zdm.testing.mariadb_server import PrivateMariaDB, available

from .test_contract_gate import _columns, _project

IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")
pytestmark = pytest.mark.skipif(
    not IN_CI and available() is not None, reason=f"no private MariaDB: {available()}"
)  # under CI=true a missing server binary fails the test instead


def _app(url: str, version: str) -> sa.Engine:
    """An application server of release *version*: PyMySQL with its program name."""
    pymysql_url = url.replace("mysql+mysqldb://", "mysql+pymysql://")  # mysqlclient has no attrs
    return sa.create_engine(pymysql_url, connect_args={"program_name": f"shop@{version}"})


def test_contract_waits_for_the_old_release_to_leave(tmp_path: Path) -> None:
    with PrivateMariaDB(["--performance-schema=ON"]) as server:
        ini = _project(tmp_path, server.url)
        command.upgrade(Config(str(ini)), "zdm-phase:2")
        old, new = _app(server.url, "1.9"), _app(server.url, "2.0")
        old_conn, new_conn = old.connect(), new.connect()
        try:
            with pytest.raises(CommandError) as info:
                command.upgrade(Config(str(ini)), "head")
            text = str(info.value)
            assert (
                "Refusing the contract of r1 (r1): the previous release is still connected" in text
            )
            assert "(shop@1.9 from " in text and "shop@2.0" not in text
            assert "legacy" in _columns(server.url)
        finally:
            old_conn.close()
            old.dispose()
        command.upgrade(Config(str(ini)), "head")  # the old release is gone: contract runs
        assert "legacy" not in _columns(server.url)
        new_conn.close()
        new.dispose()


def test_without_performance_schema_the_gate_refuses_with_a_sentence(tmp_path: Path) -> None:
    with PrivateMariaDB(["--performance-schema=OFF"]) as server:
        ini = _project(tmp_path, server.url)
        command.upgrade(Config(str(ini)), "zdm-phase:2")
        with pytest.raises(CommandError) as info:
            command.upgrade(Config(str(ini)), "head")
        assert str(info.value) == (
            "The contract gate cannot see application names on this server: performance_schema "
            "is off (start it with performance_schema=ON), or set contract_gate_heartbeat_table "
            "instead of contract_gate_application_name."
        )
        assert "legacy" in _columns(server.url)
