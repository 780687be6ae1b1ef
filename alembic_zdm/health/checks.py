"""The built-in health checks and the user's own (SQL, ``module:function``).

A check is a callable ``(HealthContext) -> Verdict``. Built in, by name:

``replica_lag``    PostgreSQL: the largest ``replay_lag`` of ``pg_stat_replication`` on the
                   primary, and, for each of ``replica_urls``, ``now() -
                   pg_last_xact_replay_timestamp()`` while WAL it received waits to be
                   replayed; MySQL/MariaDB: ``Seconds_Behind_Source`` / ``_Master`` of each
                   replica. Throttles above ``health_replica_lag_s``.
``lock_waiters``   sessions queued behind the migration's own locks (``pg_blocking_pids``).
                   Throttles at ``health_lock_waiters`` or more.
``connections``    connections in use as a share of ``max_connections``. Throttles above
                   ``health_connections_pct``.
``sql``            ``health_sql`` returns one number; throttles above ``health_sql_max``.
``pkg.mod:fn``     called with the :class:`HealthContext`; returns ``"ok"``,
                   ``"throttle"``, ``"abort"``, a ``(state, reason)`` pair or a :class:`Verdict`.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa

if TYPE_CHECKING:
    from ..config import ZdmSettings

OK, THROTTLE, ABORT = "ok", "throttle", "abort"


@dataclasses.dataclass(frozen=True)
class Verdict:
    """What one check said: ``state`` is ok, throttle or abort."""

    state: str
    check: str
    value: float | None = None
    reason: str = ""

    def __str__(self) -> str:
        return self.reason or f"{self.check} is {self.state}"


@dataclasses.dataclass
class HealthContext:
    """What a check may look at: the migration's connection (a separate session) and settings."""

    connection: sa.Connection
    settings: ZdmSettings
    migration_pid: int | None
    replica_engines: list[sa.Engine]
    memory: dict[str, Any] = dataclasses.field(default_factory=dict)
    """Kept by the gate from one check to the next (the replicas' replay rate)."""


Check = Callable[[HealthContext], Verdict]


def _scalar(conn: sa.Connection, sql: str, **params: Any) -> Any:
    return conn.execute(sa.text(sql), params).scalar()


def replica_lag(ctx: HealthContext) -> Verdict:
    """The worst replication lag, in seconds, seen from the primary and on each replica."""
    limit = ctx.settings.health_replica_lag_s
    worst, where = 0.0, "no replica"
    if ctx.connection.dialect.name == "postgresql":
        lag = _scalar(
            ctx.connection,
            # a standby that has replayed all that was sent is not lagging: replay_lag
            # keeps its last measurement for a while after it caught up
            "SELECT coalesce(max(extract(epoch FROM replay_lag)), 0) FROM pg_stat_replication "
            "WHERE replay_lsn IS DISTINCT FROM sent_lsn",
        )
        if lag is not None and float(lag) > worst:
            worst, where = float(lag), "pg_stat_replication on the primary"
    forecast, why = worst, ""
    for engine in ctx.replica_engines:
        name = f"replica {engine.url.render_as_string(hide_password=True)}"
        lag, ahead, reason = _replica_lag(engine, ctx.memory.setdefault(name, {}))
        if lag > worst:
            worst, where = lag, name
        if ahead > forecast:
            forecast, why = ahead, f"; {reason} on {name}"
    state = THROTTLE if max(worst, forecast) > limit else OK
    return Verdict(
        state,
        "replica_lag",
        worst,
        f"replication lag {worst:.1f} s on {where}{why if forecast > limit else ''} "
        f"(limit {limit:g} s)",
    )


def _replica_lag(engine: sa.Engine, memory: dict[str, Any]) -> tuple[float, float, str]:
    """The replica's lag now, the lag it will reach, and why (in words), in seconds.

    PostgreSQL: the lag goes on growing until the WAL received so far is replayed, even
    once the run stops writing, so the gate must stop *before* the bound: the lag it will
    reach is the lag now plus the pending WAL at the replay rate measured between checks
    (``inf`` while replay does not advance at all, e.g. paused). MySQL/MariaDB: the lag now.
    """
    with engine.connect() as conn:
        if conn.dialect.name == "postgresql":
            pg = conn.execute(sa.text(_PG_REPLICA)).one()
            lag, pending, replayed = float(pg.lag or 0), float(pg.pending or 0), pg.replayed
            return lag, *_ahead(lag, pending, float(replayed or 0), memory)
        row: Any = None
        for statement in ("SHOW REPLICA STATUS", "SHOW SLAVE STATUS"):
            try:
                row = conn.execute(sa.text(statement)).mappings().first()
                break
            except sa.exc.DBAPIError:
                continue
        if row is None:
            return 0.0, 0.0, ""
        lag = row.get("Seconds_Behind_Source", row.get("Seconds_Behind_Master"))
        value = float("inf") if lag is None else float(lag)
        return value, value, ""


_PG_REPLICA = (
    "SELECT CASE WHEN pg_last_wal_receive_lsn() IS DISTINCT FROM pg_last_wal_replay_lsn() "
    "THEN extract(epoch FROM now() - pg_last_xact_replay_timestamp()) ELSE 0 END AS lag, "
    "greatest(pg_wal_lsn_diff(pg_last_wal_receive_lsn(), pg_last_wal_replay_lsn()), 0) AS pending, "
    "pg_wal_lsn_diff(pg_last_wal_replay_lsn(), '0/0') AS replayed"
)
_SMOOTHING = 0.5
"""Weight of the newest replay-rate measurement (an exponential moving average)."""


def _ahead(
    lag: float, pending: float, replayed: float, memory: dict[str, Any]
) -> tuple[float, str]:
    """The lag once *pending* bytes are replayed at the measured rate, and why in words."""
    import time

    now = time.monotonic()
    last = memory.get("at")
    if last is None or now - last[0] > 0.02:  # closer checks measure over a longer span
        if last is not None:
            measured = max(replayed - last[1], 0.0) / (now - last[0])
            rate = memory.get("rate")
            memory["rate"] = (
                measured if rate is None else _SMOOTHING * measured + (1 - _SMOOTHING) * rate
            )
        memory["at"] = (now, replayed)
    if pending <= 0:
        return lag, ""
    rate = memory.get("rate")
    if rate is None or last is None:
        return lag, ""  # the first check: no rate yet
    if rate <= 0 or replayed == last[1]:
        return float("inf"), f"{_mb(pending)} of WAL received and not being replayed"
    ahead = lag + pending / rate
    return ahead, f"{ahead:.1f} s once the {_mb(pending)} received is replayed at {_mb(rate)}/s"


def _mb(size: float) -> str:
    return f"{size / 1e6:.1f} MB" if size >= 1e5 else f"{size / 1e3:.0f} kB"


def lock_waiters(ctx: HealthContext) -> Verdict:
    """Sessions waiting for a lock the migration's session holds."""
    limit = ctx.settings.health_lock_waiters
    count = 0
    if ctx.connection.dialect.name == "postgresql" and ctx.migration_pid is not None:
        count = int(
            _scalar(
                ctx.connection,
                "SELECT count(*) FROM pg_stat_activity WHERE :pid = ANY(pg_blocking_pids(pid))",
                pid=ctx.migration_pid,
            )
            or 0
        )
    elif ctx.connection.dialect.name in ("mysql", "mariadb") and ctx.migration_pid is not None:
        count = int(
            _scalar(
                ctx.connection,
                "SELECT count(*) FROM information_schema.INNODB_TRX w "
                "JOIN information_schema.INNODB_LOCK_WAITS lw ON lw.requesting_trx_id = w.trx_id "
                "JOIN information_schema.INNODB_TRX b ON b.trx_id = lw.blocking_trx_id "
                "WHERE b.trx_mysql_thread_id = :pid",
                pid=ctx.migration_pid,
            )
            or 0
        )
    state = THROTTLE if count >= limit else OK
    return Verdict(
        state,
        "lock_waiters",
        count,
        f"{count} session(s) wait for the migration's locks (limit {limit})",
    )


def connections(ctx: HealthContext) -> Verdict:
    """Connections in use as a percentage of ``max_connections``."""
    limit = ctx.settings.health_connections_pct
    conn = ctx.connection
    if conn.dialect.name == "postgresql":
        used = _scalar(
            conn, "SELECT count(*) FROM pg_stat_activity WHERE backend_type = 'client backend'"
        )
        most = _scalar(conn, "SELECT current_setting('max_connections')::int")
    elif conn.dialect.name in ("mysql", "mariadb"):
        used = conn.execute(sa.text("SHOW STATUS LIKE 'Threads_connected'")).first()[1]  # type: ignore[index]
        most = conn.execute(sa.text("SHOW VARIABLES LIKE 'max_connections'")).first()[1]  # type: ignore[index]
    else:
        return Verdict(OK, "connections", None, "no connection limit on this database")
    pct = 100.0 * float(used) / float(most)
    state = THROTTLE if pct > limit else OK
    return Verdict(
        state, "connections", pct, f"{pct:.0f} % of max_connections in use (limit {limit:g} %)"
    )


def user_sql(ctx: HealthContext) -> Verdict:
    """``health_sql`` returns a number; above ``health_sql_max`` the run throttles."""
    sql = ctx.settings.health_sql
    if not sql:
        from ..errors import ConfigError

        raise ConfigError("The health check 'sql' needs health_sql (a query returning one number).")
    value = float(_scalar(ctx.connection, sql) or 0)
    limit = ctx.settings.health_sql_max
    state = THROTTLE if value > limit else OK
    return Verdict(state, "sql", value, f"health_sql returned {value:g} (limit {limit:g})")


BUILT_IN: dict[str, Check] = {
    "replica_lag": replica_lag,
    "lock_waiters": lock_waiters,
    "connections": connections,
    "sql": user_sql,
}


def from_callable(spec: str) -> Check:
    """A ``module:function`` check; its answer is normalised into a :class:`Verdict`."""
    from ..events import _load  # same loading rules and error sentence as listeners

    fn = _load(spec, "health_checks", "Health check")

    def check(ctx: HealthContext) -> Verdict:
        answer: Any = fn(ctx)  # type: ignore[arg-type]
        if isinstance(answer, Verdict):
            return answer
        state, reason = (answer, "") if isinstance(answer, str) else tuple(answer)
        state = str(state).lower()
        if state not in (OK, THROTTLE, ABORT):
            state = ABORT
            reason = f"health check {spec} answered {answer!r} (expected ok, throttle or abort)"
        return Verdict(state, spec, None, str(reason) or f"{spec} says {state}")

    return check
