"""The contract gate (DESIGN §13): no contract step while the previous release is connected.

The application tells which release it is, one of two ways:

- its connections' ``application_name`` follows ``contract_gate_application_name``, a
  pattern with ``{version}`` in it (``"shop@{version}"``; PostgreSQL ``pg_stat_activity``,
  MySQL/MariaDB: the ``program_name`` connection attribute, seen in ``performance_schema``,
  which must be on — MariaDB's default is off, and then the gate refuses with a sentence);
- it writes its version to ``contract_gate_heartbeat_table`` (columns ``version`` and
  ``seen_at``), and a version seen within ``contract_gate_heartbeat_s`` counts as running.

Sessions or heartbeats of any version other than ``release`` (the release being deployed,
``-x zdm_release=2.4.0``) make the contract step refuse with one sentence naming them.
``force`` lets it through; that is logged and emitted as a ``contract:forced`` event.
"""

from __future__ import annotations

import logging
import re
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa

if TYPE_CHECKING:
    from ..config import ZdmSettings

log = logging.getLogger("alembic.zdm.health")


def _pattern(template: str) -> re.Pattern[str]:
    head, _, tail = template.partition("{version}")
    return re.compile("^" + re.escape(head) + r"(?P<version>.+?)" + re.escape(tail) + "$")


_PG_SESSIONS = (
    "SELECT pid, application_name, client_addr::text FROM pg_stat_activity "
    "WHERE datname = current_database() AND pid <> pg_backend_pid()"
)
_MYSQL_SESSIONS = (
    "SELECT a.PROCESSLIST_ID, a.ATTR_VALUE, p.HOST "
    "FROM performance_schema.session_connect_attrs a "
    "JOIN information_schema.PROCESSLIST p ON p.ID = a.PROCESSLIST_ID "
    "WHERE a.ATTR_NAME = 'program_name' AND a.PROCESSLIST_ID <> CONNECTION_ID() "
    "AND p.DB = DATABASE()"
)


def _named_sessions(conn: sa.Connection) -> list[tuple[Any, str | None, str | None]]:
    """``(session id, application name, client address)`` of the database's other sessions.

    PostgreSQL: ``pg_stat_activity.application_name``. MySQL/MariaDB: the
    ``program_name`` connection attribute, which only ``performance_schema`` shows;
    with it off (MariaDB's default) the gate cannot see names and says so.
    """
    from ..errors import ConfigError

    name = conn.dialect.name
    if name == "postgresql":
        return [tuple(r) for r in conn.execute(sa.text(_PG_SESSIONS))]
    if name in ("mysql", "mariadb"):
        if not conn.execute(sa.text("SELECT @@performance_schema")).scalar():
            raise ConfigError(
                "The contract gate cannot see application names on this server: "
                "performance_schema is off (start it with performance_schema=ON), or set "
                "contract_gate_heartbeat_table instead of contract_gate_application_name."
            )
        return [tuple(r) for r in conn.execute(sa.text(_MYSQL_SESSIONS))]
    raise ConfigError(
        f"contract_gate_application_name is not supported on {name}: "
        "set contract_gate_heartbeat_table instead."
    )


def old_sessions(settings: ZdmSettings, conn: sa.Connection) -> list[str]:
    """Descriptions of the previous release's sessions and heartbeats still present."""
    found: list[str] = []
    if settings.contract_gate_application_name:
        pattern = _pattern(settings.contract_gate_application_name)
        for pid, name, addr in _named_sessions(conn):
            match = pattern.match(name or "")
            if match and match.group("version") != settings.release:
                found.append(f"session {pid} ({name}{' from ' + addr if addr else ''})")
    if settings.contract_gate_heartbeat_table:
        table = sa.table(
            settings.contract_gate_heartbeat_table, sa.column("version"), sa.column("seen_at")
        )
        cutoff = sa.func.now() - sa.text(
            f"INTERVAL '{int(settings.contract_gate_heartbeat_s)} seconds'"
        )
        if conn.dialect.name in ("mysql", "mariadb"):
            cutoff = sa.func.now() - sa.text(
                f"INTERVAL {int(settings.contract_gate_heartbeat_s)} SECOND"
            )
        query = (
            sa.select(table.c.version, sa.func.max(table.c.seen_at))
            .where(table.c.seen_at > cutoff, table.c.version != settings.release)
            .group_by(table.c.version)
        )
        for version, seen in conn.execute(query):
            found.append(f"release {version} (heartbeat at {seen})")
    return found


def check_contract_gate(settings: ZdmSettings, connection: Any, step: str) -> None:
    """Refuse *step* (a contract step) while the previous release is still connected."""
    if not (settings.contract_gate_application_name or settings.contract_gate_heartbeat_table):
        return
    from ..errors import ConfigError, ContractGateError
    from ..events import current_command, emit

    if not settings.release:
        raise ConfigError(
            "The contract gate needs the release being deployed to tell old sessions from new: "
            "set release (e.g. -x zdm_release=2.4.0)."
        )
    engine = sa.create_engine(connection.engine.url, poolclass=sa.pool.NullPool)
    try:
        with engine.connect() as conn:
            found = old_sessions(settings, conn)
    finally:
        engine.dispose()
    if not found:
        return
    listed = ", ".join(found[:5]) + (f" and {len(found) - 5} more" if len(found) > 5 else "")
    if settings.force:
        log.warning("zdm: contract gate forced for %s while connected: %s", step, listed)
        emit(settings, "contract:forced", command=current_command(), step=step, sessions=found)
        return
    raise ContractGateError(
        f"Refusing the {step}: the previous release is still connected ({listed}); finish "
        f"the deploy of release {settings.release} first, or pass --force (-x zdm_force=true)."
    )
