"""``alembic-zdm archive list | restore | purge`` as functions taking an Alembic ``Config``.

They run through the project's ``env.py`` (its connection), like ``status``.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from ..errors import ConfigError, ZdmError
from .catalog import ArchiveEntry

if TYPE_CHECKING:
    from alembic.config import Config


class _Runner:
    """What :mod:`.keep` needs, on the ``MigrationContext`` env.py configured."""

    offline = False

    def __init__(self, mc: Any, settings: Any) -> None:
        self.mc = mc
        self.settings = settings
        self.connection = mc.connection
        self.dialect = mc.dialect

    def run(self, plan: list[Any]) -> None:
        from ..execution.executor import execute_plan

        execute_plan(self.mc, plan, settings=self.settings)


def _with_runner(config: Config, work: Callable[[_Runner], Any]) -> Any:
    from ..config import load_settings
    from ..phases.report import _with_context

    settings = load_settings(config)
    if _offline(config):
        raise ConfigError("alembic-zdm archive needs a database; it has no --sql mode.")

    def run(mc: Any) -> Any:
        runner = _Runner(mc, settings)
        result = work(runner)
        if mc._transaction is None and runner.connection.in_transaction():
            runner.connection.commit()  # no Alembic transaction to commit it (MySQL)
        return result

    return _with_context(config, run)


def _offline(config: Config) -> bool:
    return bool(getattr(config.cmd_opts, "sql", False))


def _catalog(r: _Runner) -> Any:
    from .keep import _where

    return _where(r)[2]


def list_archives(config: Config) -> list[ArchiveEntry]:
    """Every archive kept in the project's database, oldest first."""
    result: list[ArchiveEntry] = _with_runner(config, lambda r: _catalog(r).entries(r.connection))
    return result


def _entry(r: _Runner, entry_id: int) -> ArchiveEntry:
    entry = _catalog(r).get(r.connection, entry_id)
    if entry is None:
        raise ZdmError(
            f"No archive with id {entry_id} in this database; alembic-zdm archive list shows "
            f"the ids."
        )
    return entry  # type: ignore[no-any-return]


def restore_archive(config: Config, entry_id: int) -> ArchiveEntry:
    """Put archive *entry_id* back: a table where it was, column values into their
    columns by key (re-added, nullable, when they are missing). The archive is then gone."""

    def work(r: _Runner) -> ArchiveEntry:
        from .keep import restore_columns, restore_table

        entry = _entry(r, entry_id)
        if entry.kind == "table":
            restore_table(r, entry)
        elif entry.op == "safe_change_column_type":
            raise ZdmError(
                f"Archive {entry.id} keeps {entry.source} as it was before its type change; "
                f"it goes back by undoing that contract (alembic-zdm rollback or alembic "
                f"downgrade), which restores the old type with these values."
            )
        else:
            _readd_columns(r, entry)
            restore_columns(r, entry, only_unchanged=False)
        return entry

    result: ArchiveEntry = _with_runner(config, work)
    return result


def _readd_columns(r: _Runner, entry: ArchiveEntry) -> None:
    from alembic.ddl.base import AddColumn
    from sqlalchemy import Column, text

    from ..sql.reflect import inspector
    from ..sql.statement import LockLevel, Statement
    from .keep import archived_types

    if not inspector(r.connection).has_table(entry.source_table, schema=entry.source_schema):
        raise ZdmError(
            f"Cannot restore the archive {entry.id} into {entry.source}: the table "
            f"{entry.source_table!r} does not exist."
        )
    present = {
        c["name"]
        for c in inspector(r.connection).get_columns(entry.source_table, schema=entry.source_schema)
    }
    types = archived_types(r, entry)
    defaults = entry.detail.get("defaults") or {}
    plan = []
    for name in entry.columns:
        if name in present:
            continue
        default = text(defaults[name]) if defaults.get(name) else None
        column = Column(name, types[name], nullable=True, server_default=default)
        element = AddColumn(entry.source_table, column, schema=entry.source_schema)
        plan.append(
            Statement(
                str(element.compile(dialect=r.dialect)),
                lock=LockLevel.ACCESS_EXCLUSIVE,
                table=entry.source_table,
                schema=entry.source_schema,
                description=f"add column {entry.source_table}.{name}",
            )  # fmt: skip
        )
    if plan:
        r.run(plan)


_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800}


def parse_age(text: str) -> dt.timedelta:
    """``30d``, ``12h``, ``90m``, ``2w``, ``45s`` as a duration; anything else is a clear error."""
    found = re.fullmatch(r"\s*(\d+)\s*([smhdw])\s*", text or "")
    if found is None:
        raise ConfigError(
            f"--older-than {text!r} is not a duration; write a number and a unit: 30d, 12h, "
            f"90m, 2w."
        )
    return dt.timedelta(seconds=int(found.group(1)) * _UNITS[found.group(2)])


def purge_archives(
    config: Config,
    older_than: dt.timedelta | None = None,
    ids: list[int] | None = None,
    dry_run: bool = False,
) -> list[ArchiveEntry]:
    """Drop the archives made more than *older_than* ago (or those with *ids*; all when
    neither is given) and forget them. *dry_run*: only say which."""

    def work(r: _Runner) -> list[ArchiveEntry]:
        from .keep import _where

        place, _, catalog = _where(r)
        entries = catalog.entries(r.connection)
        if ids:
            unknown = sorted(set(ids) - {e.id for e in entries})
            if unknown:
                raise ZdmError(
                    f"No archive with id {', '.join(map(str, unknown))} in this database; "
                    f"alembic-zdm archive list shows the ids."
                )
            entries = [e for e in entries if e.id in ids]
        if older_than is not None:
            now = dt.datetime.now(dt.timezone.utc).replace(tzinfo=None)
            entries = [e for e in entries if e.created_at and now - e.created_at >= older_than]
        if dry_run:
            return entries
        for entry in entries:
            r.run(place.drop_archive(entry.archive_schema, entry.archive_table))
            catalog.remove(r.connection, entry.id)
        return entries

    result: list[ArchiveEntry] = _with_runner(config, work)
    return result
