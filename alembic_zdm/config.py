"""Settings, read in one place.

Precedence, lowest first (DESIGN §3): built-in defaults; ``[tool.alembic_zdm]`` in
``pyproject.toml``; an ``[alembic_zdm]`` section of ``alembic.ini``; ``-x zdm_<name>=…``
on the command line; keyword arguments on the op (:meth:`ZdmSettings.with_overrides`).
The ``lint`` sub-table is kept raw for the linter, which validates it itself.
"""

from __future__ import annotations

import dataclasses
import os
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .frozen import frozen_record

if TYPE_CHECKING:
    from alembic.config import Config

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

X_PREFIX = "zdm_"
INI_SECTION = "alembic_zdm"


@frozen_record
class ZdmSettings:
    """Every tunable of the plugin, with its default.

    Times are milliseconds unless the name says otherwise.
    """

    lock_timeout_ms: int = 500
    """Lock timeout of ACCESS EXCLUSIVE (and other table-locking) DDL."""
    retries: int = 10
    """Attempts for a statement that timed out waiting for its lock."""
    retry_base_ms: int = 200
    """First back-off delay; it doubles after each failed attempt (with jitter)."""
    retry_cap_ms: int = 10_000
    """Largest back-off delay."""
    ddl_statement_timeout_ms: int = 60_000
    """Statement timeout of short DDL."""
    concurrent_lock_timeout_ms: int = 0
    """Lock timeout of CREATE INDEX CONCURRENTLY / VALIDATE (0 = none: they wait for old transactions)."""
    concurrent_statement_timeout_ms: int = 3_600_000
    """Statement timeout of CONCURRENTLY builds and VALIDATE CONSTRAINT."""
    backfill_batch_size: int = 1000
    """Initial rows per backfill batch."""
    backfill_min_batch: int = 100
    backfill_max_batch: int = 100_000
    backfill_target_ms: int = 200
    """Batch duration the adaptive sizing aims at."""
    backfill_pause_ms: int = 0
    """Pause between backfill batches."""
    backfill_statement_timeout_ms: int = 30_000
    guard_plain_revisions: bool = True
    """Plain ``upgrade()``/``downgrade()`` revisions run under the lock timeout and retries too."""
    runner_lock_wait_s: float = 30.0
    """How long a second runner waits for the single-runner lock before giving up."""
    state_table: str = "alembic_zdm_state"
    models: str | None = None
    """``module:Base`` of the application's models, for the check before contract."""
    force: bool = False
    """Let the contract phase drop what the models still map (logged)."""
    phase: int | None = None
    """Phase target given as ``-x zdm_phase=N`` (a number or a name: ``-x zdm_phase=migrate``)."""
    health_checks: tuple[str, ...] = ()
    """Health checks before every step and between backfill batches (docs/safety.md)."""
    replica_urls: tuple[str, ...] = ()
    """Replicas whose lag the ``replica_lag`` check measures."""
    health_max_wait_s: float = 300.0
    """How long a throttling check may hold the run before it aborts."""
    health_poll_ms: int = 500
    """How often a throttled run asks the checks again."""
    health_replica_lag_s: float = 10.0
    health_lock_waiters: int = 1
    health_connections_pct: float = 90.0
    health_sql: str | None = None
    health_sql_max: float = 0.0
    release: str | None = None
    """The application release being deployed (``-x zdm_release=2.4.0``), for the contract gate."""
    contract_gate_application_name: str | None = None
    """``application_name`` pattern of the application's sessions, with ``{version}``."""
    contract_gate_heartbeat_table: str | None = None
    """A table (``version``, ``seen_at``) the application's servers write their release to."""
    contract_gate_heartbeat_s: float = 60.0
    """A heartbeat this recent means that release is still running."""
    listeners: tuple[str, ...] = ()
    """Event listeners, ``package.module:function`` each (docs/safety.md)."""
    event_log: str | None = None
    """Path of a JSON-lines audit log of every event of every run."""
    backup: bool = True
    """Keep what a contract step drops: tables moved, columns copied (docs/safety.md)."""
    archive_schema: str | None = None
    """Where kept data goes: PostgreSQL schema (``zdm_archive``), MySQL/MariaDB database
    (``<database>_zdm_archive``); SQLite keeps it in the same file."""
    lint: Mapping[str, Any] = dataclasses.field(default_factory=dict)

    def with_overrides(self, **overrides: Any) -> ZdmSettings:
        """Return a copy with op keyword arguments applied (the highest priority)."""
        clean = {k: v for k, v in overrides.items() if v is not None}
        return _apply(self, clean, source="operation arguments")


_FIELDS = {f.name: f for f in dataclasses.fields(ZdmSettings)}


def _coerce(name: str, value: Any, source: str) -> Any:
    from .errors import ConfigError  # errors import Alembic: keep ``config`` cheap for the linter

    if name == "phase" and value not in (None, ""):
        from .phases.targets import parse_phase  # names work like numbers: expand == 1

        return int(parse_phase(value))
    field = _FIELDS[name]
    kind = field.type if isinstance(field.type, str) else getattr(field.type, "__name__", "")
    try:
        if kind == "int":
            return int(value)
        if kind == "float":
            return float(value)
        if kind == "bool":
            if isinstance(value, str):
                return value.strip().lower() in ("1", "true", "yes", "on")
            return bool(value)
        if kind == "int | None":
            return None if value in (None, "") else int(value)
        if kind == "str | None":
            return None if value in (None, "") else str(value)
        if kind == "str":
            return str(value)
        if kind == "tuple[str, ...]":
            items = value.replace("\n", ",").split(",") if isinstance(value, str) else value
            return tuple(str(v).strip() for v in items if str(v).strip())
    except (TypeError, ValueError):
        raise ConfigError(
            f"Setting {name!r} from {source} has the value {value!r}, which is not a "
            f"valid {kind}; fix it or remove it to use the default."
        ) from None
    return value


def _apply(base: ZdmSettings, values: Mapping[str, Any], source: str) -> ZdmSettings:
    from .errors import ConfigError

    changes: dict[str, Any] = {}
    for key, value in values.items():
        name = key.replace("-", "_")
        if name not in _FIELDS:
            raise ConfigError(
                f"Unknown alembic-zdm setting {key!r} in {source}; known settings are: "
                f"{', '.join(sorted(_FIELDS))}."
            )
        changes[name] = dict(value) if name == "lint" else _coerce(name, value, source)
    return dataclasses.replace(base, **changes)


def find_pyproject(start: Path) -> Path | None:
    """Return the nearest ``pyproject.toml`` at or above *start*."""
    for folder in (start, *start.parents):
        candidate = folder / "pyproject.toml"
        if candidate.is_file():
            return candidate
    return None


def read_pyproject(path: Path) -> dict[str, Any]:
    """Return the ``[tool.alembic_zdm]`` table of a pyproject file (empty if none)."""
    with path.open("rb") as fh:
        data = tomllib.load(fh)
    table = data.get("tool", {}).get("alembic_zdm", {})
    return dict(table) if isinstance(table, dict) else {}


def project_dir(config: Config | None) -> Path:
    """The folder the project's settings are looked up from (the ini file's folder)."""
    if config is not None and config.config_file_name:
        return Path(config.config_file_name).resolve().parent
    return Path(os.getcwd())


def load_settings(
    config: Config | None = None,
    x_args: Mapping[str, str] | None = None,
    start: Path | None = None,
) -> ZdmSettings:
    """Build the settings from defaults, pyproject, alembic.ini and ``-x`` arguments.

    :param config: the Alembic ``Config``; its ini file and ``-x`` arguments are read.
    :param x_args: extra ``-x`` style arguments (``zdm_lock_timeout=800``) taking
        precedence over the ones in *config*.
    :param start: where to look for ``pyproject.toml`` (default: the ini file's folder).
    """
    settings = ZdmSettings()
    folder = start or project_dir(config)
    pyproject = find_pyproject(folder)
    if pyproject is not None:
        settings = _apply(
            settings, read_pyproject(pyproject), f"{pyproject.name} [tool.alembic_zdm]"
        )
    if config is not None and config.file_config.has_section(INI_SECTION):
        ini_values = dict(config.file_config.items(INI_SECTION, raw=True))
        ini_values = {k: v for k, v in ini_values.items() if k not in config.file_config.defaults()}
        settings = _apply(settings, ini_values, f"[{INI_SECTION}] of the ini file")
    x_values: dict[str, str] = {}
    if config is not None:
        x_values.update(parse_x_args(getattr(config.cmd_opts, "x", None) or []))
    if x_args:
        x_values.update(x_args)
    zdm_x = {_x_name(k): v for k, v in x_values.items() if k.startswith(X_PREFIX)}
    if zdm_x:
        settings = _apply(settings, zdm_x, "-x arguments")
    return settings


_X_ALIASES = {"lock_timeout": "lock_timeout_ms", "statement_timeout": "ddl_statement_timeout_ms"}


def _x_name(key: str) -> str:
    name = key[len(X_PREFIX) :]
    return _X_ALIASES.get(name, name)


def parse_x_args(items: list[str]) -> dict[str, str]:
    """Parse ``-x key=value`` items as Alembic's ``get_x_argument(as_dictionary=True)`` does."""
    result: dict[str, str] = {}
    for item in items:
        if "=" in item:
            key, _, value = item.partition("=")
            result[key.strip()] = value.strip()
    return result


def settings_for_context(migration_context: Any) -> ZdmSettings:
    """Settings for the running migration (cached on its ``MigrationContext``).

    Reads the Alembic ``Config`` of the running environment (ini, pyproject, ``-x``);
    a context without a ``Config`` (a bare ``MigrationContext.configure``) gets the
    defaults plus the project's pyproject settings.
    """
    cached = getattr(migration_context, "_zdm_settings", None)
    if isinstance(cached, ZdmSettings):
        return cached
    config = getattr(migration_context, "config", None)
    settings = load_settings(config)
    migration_context._zdm_settings = settings
    return settings
