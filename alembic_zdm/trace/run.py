"""``alembic-zdm trace``: run pending revisions phase by phase on a scratch database.

:func:`trace` points a copy of the Alembic config at a scratch database (a given URL,
or a fresh database created on the configured server and dropped afterwards), brings
it to the starting revision untraced, then runs ``zdm-phase:1``, ``zdm-phase:2`` and
the target, recording every statement of every phase step.
"""

from __future__ import annotations

import contextlib
from typing import TYPE_CHECKING, Any

from .model import TraceReport

if TYPE_CHECKING:
    from alembic.config import Config

DEFAULT_MAX_WRITE_BLOCK_MS = 1000.0


def _probe(url: str) -> Any:
    from sqlalchemy.engine import make_url

    from ..errors import UnsupportedDialectError

    backend = make_url(url).get_backend_name()
    if backend == "postgresql":
        from .postgresql import PostgresProbe

        return PostgresProbe(url)
    if backend in ("mysql", "mariadb"):
        from .generic import MysqlProbe

        return MysqlProbe(url)
    if backend == "sqlite":
        from .generic import SqliteProbe

        return SqliteProbe(url)
    raise UnsupportedDialectError(
        f"trace does not know the {backend!r} database; use PostgreSQL, MySQL/MariaDB or SQLite."
    )


def _server(config: Config, url: str | None) -> str | None:
    """The server to create a fresh scratch database on (``None``: use *url* as it is)."""
    from ..errors import ConfigError

    if url:
        return None
    configured = config.get_main_option("sqlalchemy.url")
    if not configured:
        raise ConfigError(
            "trace needs a scratch database: give --url, or set sqlalchemy.url so trace can "
            "create a fresh database on that server."
        )
    return configured


def trace(
    config: Config,
    target: str = "heads",
    url: str | None = None,
    start: str | None = None,
    max_write_block_ms: float = DEFAULT_MAX_WRITE_BLOCK_MS,
) -> TraceReport:
    """Trace the revisions from *start* (default: base) to *target* on a scratch database.

    :param config: the project's Alembic ``Config`` (not changed: a copy is used).
    :param target: the revision to trace up to (``heads``).
    :param url: the scratch database; default: a fresh database on the configured
        server (PostgreSQL, MySQL/MariaDB), dropped afterwards.
    :param start: upgrade the scratch database to this revision first, untraced.
    :param max_write_block_ms: a statement whose locks keep writers out longer than
        this is a violation (:meth:`TraceReport.violations`).
    """
    from alembic import command
    from alembic.script import ScriptDirectory
    from sqlalchemy.engine import make_url

    from .. import events
    from ..config import load_settings
    from ..testing.scratch import fresh_database, scratch_config
    from .recorder import Recorder

    server = _server(config, url)
    with contextlib.ExitStack() as stack:
        scratch = url or stack.enter_context(fresh_database(str(server), prefix="zdm_trace"))
        cfg = scratch_config(config, scratch)
        settings = load_settings(config)
        parsed = make_url(scratch)
        report = TraceReport(parsed.get_backend_name(), parsed.database or "", max_write_block_ms)
        if start:
            command.upgrade(cfg, start)
        script = ScriptDirectory.from_config(cfg)
        recorder = Recorder(scratch, _probe(scratch), (settings.state_table, "alembic_version"))
        recorder.set_paths({s.revision: s.path for s in script.walk_revisions()})
        recorder.install()
        try:
            with events.listening(recorder.on_event):
                for phase in (1, 2):
                    limit = "" if target in ("head", "heads") else f"@{target}"
                    command.upgrade(cfg, f"zdm-phase:{phase}{limit}")
                command.upgrade(cfg, target)
        finally:
            recorder.uninstall()
        report.steps = recorder.steps
    return report
