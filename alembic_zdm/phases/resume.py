"""Resuming a step after a kill: clearing what the dead runner left working, and saying
truthfully what a failed step left committed (see :mod:`alembic_zdm.phases.progress`)."""

from __future__ import annotations

import contextlib
import logging
import time
from collections.abc import Iterator
from typing import Any

from sqlalchemy import text

from .model import Phase

log = logging.getLogger("alembic.runtime.zdm")

APPLICATION_NAME = "alembic-zdm"
"""The ``application_name`` the runner gives its PostgreSQL connection when it has none."""
REAP_WAIT_S = 30.0


@contextlib.contextmanager
def recording(ctx: Any, progress: Any) -> Iterator[None]:
    """Record the step's statements in *progress* (nothing offline, where it is ``None``)."""
    if progress is None:
        yield
        return
    from .progress import recording as record

    progress.load()
    with record(progress, ctx):
        yield


def what_stayed(store: Any, conn: Any, revision: str, phase: Phase) -> str:
    """After a failed step: what committed and stays (``""`` when everything rolled back).

    Clears the ``doing`` mark (the statement that raised did not take effect).
    """
    data = store.load_progress(conn, revision, phase)
    done = [d[1] for d in data.get("done", [])]
    if data.get("doing"):
        data["doing"] = None
        store.save_progress(conn, revision, phase, data)
    parts = []
    if done:
        shown = "; ".join(done[:3]) + ("; …" if len(done) > 3 else "")
        parts.append(f"{len(done)} statement{'s' if len(done) != 1 else ''} ({shown})")
    rows = _backfilled(store.load_checkpoint_all(conn, revision, phase))
    if rows:
        parts.append(f"{rows:,} backfilled rows in committed batches")
    return " and ".join(parts)


def _backfilled(checkpoint: dict[str, Any]) -> int:
    return sum(
        int(v.get("rows") or 0)
        for k, v in checkpoint.items()
        if isinstance(v, dict) and not k.startswith("keep:")
    )


def reap_dead_runners(conn: Any, store: Any) -> list[int]:
    """End database sessions a killed runner left working; return their ids.

    The runner lock is held, so any other session marked as a runner (PostgreSQL:
    ``application_name``; any database: the session id recorded in an unfinished
    step's progress) that is still executing belongs to a runner that died: its
    statement (a concurrent index build, an ALTER) would race the re-run.
    """
    name = conn.dialect.name
    if name == "postgresql":
        return _reap_pg(conn, _recorded(conn, store))
    if name in ("mysql", "mariadb"):
        return _reap_mysql(conn, _recorded(conn, store))
    return []


def backend_id(conn: Any) -> int | None:
    """This session's id on the server (PostgreSQL pid, MySQL connection id)."""
    name = conn.dialect.name
    if name == "postgresql":
        return int(conn.execute(text("SELECT pg_backend_pid()")).scalar_one())
    if name in ("mysql", "mariadb"):
        return int(conn.execute(text("SELECT CONNECTION_ID()")).scalar_one())
    return None


def _recorded(conn: Any, store: Any) -> list[int]:
    from .state import UNFINISHED

    ids = []
    for row in store.rows(conn):
        backend = row.progress.get("backend")
        if row.status in UNFINISHED and isinstance(backend, int):
            ids.append(backend)
    return ids


_PG_LEFTOVERS = """\
SELECT pid FROM pg_stat_activity
WHERE datname = current_database() AND pid <> pg_backend_pid() AND state <> 'idle'
  AND (application_name = :app OR pid = ANY(:pids))"""


def _reap_pg(conn: Any, recorded: list[int]) -> list[int]:
    if not conn.execute(text("SELECT current_setting('application_name')")).scalar():
        conn.execute(
            text("SELECT set_config('application_name', :app, false)"), {"app": APPLICATION_NAME}
        )
    params = {"app": APPLICATION_NAME, "pids": recorded}
    found = [int(r[0]) for r in conn.execute(text(_PG_LEFTOVERS), params)]
    for pid in found:
        log.warning("zdm: ending session %s, left working by a runner that was killed", pid)
        conn.execute(text("SELECT pg_terminate_backend(:p)"), {"p": pid})
    _wait_gone(lambda: [int(r[0]) for r in conn.execute(text(_PG_LEFTOVERS), params)], found)
    return found


_MYSQL_LEFTOVERS = (
    "SELECT id FROM information_schema.processlist WHERE id <> CONNECTION_ID() "
    "AND command <> 'Sleep' AND id IN :ids"
)


def _reap_mysql(conn: Any, recorded: list[int]) -> list[int]:
    if not recorded:
        return []
    from sqlalchemy import bindparam

    query = text(_MYSQL_LEFTOVERS).bindparams(bindparam("ids", expanding=True))
    found = [int(r[0]) for r in conn.execute(query, {"ids": recorded})]
    for pid in found:
        log.warning("zdm: ending connection %s, left working by a runner that was killed", pid)
        with contextlib.suppress(Exception):
            conn.exec_driver_sql(f"KILL {int(pid)}")
    _wait_gone(lambda: [int(r[0]) for r in conn.execute(query, {"ids": recorded})], found)
    return found


def _wait_gone(still: Any, found: list[int]) -> None:
    if not found:
        return
    deadline = time.monotonic() + REAP_WAIT_S
    while still() and time.monotonic() < deadline:
        time.sleep(0.1)
