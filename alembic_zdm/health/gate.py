"""One gate for a run: all configured checks, the waiting, the events and the final error."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa

from .checks import ABORT, BUILT_IN, OK, THROTTLE, Check, HealthContext, Verdict, from_callable

if TYPE_CHECKING:
    from ..config import ZdmSettings

_RANK = {OK: 0, THROTTLE: 1, ABORT: 2}


def _pid(connection: Any) -> int | None:
    """The migration session's server id, read from the driver (no statement is sent)."""
    try:
        dbapi = connection.connection.dbapi_connection
    except Exception:
        return None
    info = getattr(dbapi, "info", None)
    if info is not None and hasattr(info, "backend_pid"):
        return int(info.backend_pid)  # psycopg 3
    for name in ("get_backend_pid", "thread_id"):  # psycopg2, mysqlclient / PyMySQL
        fn = getattr(dbapi, name, None)
        if callable(fn):
            return int(fn())
    return None


class HealthGate:
    """Runs the configured checks on their own session; waits while they say throttle."""

    def __init__(self, settings: ZdmSettings, connection: Any) -> None:
        self.settings = settings
        self.checks: list[tuple[str, Check]] = [
            (name, BUILT_IN[name] if name in BUILT_IN else from_callable(name))
            for name in settings.health_checks
        ]
        self._engine = sa.create_engine(
            connection.engine.url, poolclass=sa.pool.NullPool, isolation_level="AUTOCOMMIT"
        )
        self._replicas = [
            sa.create_engine(url, poolclass=sa.pool.NullPool, isolation_level="AUTOCOMMIT")
            for url in settings.replica_urls
        ]
        self._pid = _pid(connection)
        self._memory: dict[str, Any] = {}

    def verdicts(self) -> list[Verdict]:
        """Every check's answer right now (a check that raises counts as throttle)."""
        from ..errors import ZdmError

        out = []
        with self._engine.connect() as conn:
            ctx = HealthContext(conn, self.settings, self._pid, self._replicas, self._memory)
            for name, check in self.checks:
                try:
                    out.append(check(ctx))
                except ZdmError:
                    raise
                except Exception as exc:
                    first = str(exc).strip().splitlines()
                    reason = f"health check {name} failed: {first[0] if first else exc!r}"
                    out.append(Verdict(THROTTLE, name, None, reason))
        return out

    def check(self) -> Verdict:
        """The worst answer of all checks right now."""
        worst = Verdict(OK, "health", None, "all checks ok")
        for verdict in self.verdicts():
            if _RANK[verdict.state] > _RANK[worst.state]:
                worst = verdict
        return worst

    def wait(self, where: str, on_throttle: Callable[[Verdict], None] | None = None) -> bool:
        """Return when healthy (True if it had to wait); raise on abort or after the max wait."""
        from ..errors import HealthAbortError

        started = time.monotonic()
        throttled = False
        while True:
            verdict = self.check()
            if verdict.state == OK:
                return throttled
            waited = time.monotonic() - started
            if verdict.state == ABORT or waited >= self.settings.health_max_wait_s:
                why = (
                    f"said abort: {verdict}"
                    if verdict.state == ABORT
                    else f"kept the run throttled for {waited:.0f} s (health_max_wait_s "
                    f"{self.settings.health_max_wait_s:g}): {verdict}"
                )
                self._emit("health:abort", verdict, where)
                raise HealthAbortError(
                    f"The health check {verdict.check} {why}; stopped before {where}. "
                    "Fix the cause and run the same command again to continue."
                )
            if not throttled:
                self._emit("health:throttle", verdict, where)
                if on_throttle is not None:
                    on_throttle(verdict)
                throttled = True
            time.sleep(self.settings.health_poll_ms / 1000)

    def _emit(self, name: str, verdict: Verdict, where: str) -> None:
        from ..events import current_command, emit

        emit(
            self.settings,
            name,
            command=current_command(),
            reason=str(verdict),
            check=verdict.check,
            value=verdict.value,
            where=where,
        )

    def close(self) -> None:
        """Release the gate's engines."""
        self._engine.dispose()
        for engine in self._replicas:
            engine.dispose()


def gate_for(settings: ZdmSettings, connection: Any) -> HealthGate | None:
    """The gate of a run, or ``None`` when no health check is configured (the usual case)."""
    if not settings.health_checks or getattr(connection, "engine", None) is None:
        return None
    return HealthGate(settings, connection)
