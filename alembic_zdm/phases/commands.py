"""Programmatic commands (like ``alembic.command``) and the wrappers installed on it.

:func:`wrap_command_module` replaces ``alembic.command.upgrade`` / ``downgrade`` with
functions of the same signature, module name and docstring — Alembic's
``CommandLine`` builds its parser from them — that recognise ``zdm-phase:…``
targets and ``-x zdm_phase=N`` and pass everything else on to the phase runner,
which keeps Alembic's own behaviour when no phase is involved.
"""

from __future__ import annotations

from types import ModuleType
from typing import TYPE_CHECKING, Any

from alembic import util

from .model import Phase
from .targets import TARGET_PREFIX, parse_phase, parse_target

if TYPE_CHECKING:
    from alembic.config import Config

    from ..config import ZdmSettings

_ORIGINALS: dict[str, Any] = {}


def _split_range(revision: str, sql: bool) -> tuple[str | None, str]:
    """Split ``start:end`` (offline only), keeping ``zdm-phase:N`` in one piece."""
    lowered = revision.lower()
    at = lowered.find(TARGET_PREFIX.rstrip(":"))
    if at > 0 and revision[at - 1] == ":":
        start, end = revision[: at - 1], revision[at:]
    elif at == 0:
        return None, revision
    elif ":" in revision:
        start, _, end = revision.partition(":")
    else:
        return None, revision
    if not sql:
        raise util.CommandError("Range revision not allowed")
    return start, end


def upgrade(
    config: Config,
    revision: str,
    sql: bool = False,
    tag: str | None = None,
    phase: Phase | int | str | None = None,
) -> list[Any]:
    """Upgrade, phase-aware: ``revision`` may be ``zdm-phase:N[@REV]``.

    :param config: the Alembic ``Config``.
    :param revision: a revision target, or ``zdm-phase:N`` / ``zdm-phase:NAME``
        (every pending phase up to N of every pending revision, phase-major).
    :param sql: offline mode (``--sql``): print the SQL of exactly those phases.
    :param tag: Alembic's ``--tag``.
    :param phase: a phase limit (``--phase``); ``-x zdm_phase=N`` works too.
    :returns: the phase steps that ran.
    """
    from ..config import load_settings
    from .revisions import script_directory
    from .runner import UpgradeRun

    settings = load_settings(config)
    start, target = _split_range(revision, sql)
    parsed = parse_target(target)
    max_phase: Phase | None = None
    if parsed is not None:
        max_phase, target = parsed.max_phase, parsed.revision
    if phase is not None:
        max_phase = parse_phase(phase)
    elif max_phase is None and settings.phase is not None:
        max_phase = parse_phase(settings.phase)
    script = script_directory(config)
    run = UpgradeRun(script, settings, target, max_phase)
    with _scope(settings, "upgrade", revision, sql):
        _run_env(config, script, run, settings, sql, start, target, tag)
    return run.executed


def downgrade(
    config: Config,
    revision: str | None,
    sql: bool = False,
    tag: str | None = None,
    phase: Phase | int | str | None = None,
) -> list[Any]:
    """Downgrade, phase-aware: undo completed phases in reverse order.

    In-flight revisions (phases done, not yet in the version table) are undone
    first. ``revision`` ``None`` or ``zdm-phase:N`` keeps the version table where it is
    and undoes only in-flight phases (above phase N).

    :returns: the undo steps that ran.
    """
    from ..config import load_settings
    from .revisions import script_directory
    from .runner import DowngradeRun

    settings = load_settings(config)
    start: str | None = None
    target: str | None = revision
    min_phase: Phase | None = None
    if revision is not None:
        start, target = _split_range(revision, sql)
        parsed = parse_target(target)
        if parsed is not None:
            min_phase, target = parsed.max_phase, None
    if phase is not None:
        min_phase = parse_phase(phase)
    if sql and start is None:
        raise util.CommandError("downgrade with --sql requires <fromrev>:<torev>")
    script = script_directory(config)
    run = DowngradeRun(script, settings, target, min_phase)
    command = "rollback" if revision is None else "downgrade"
    with _scope(settings, command, revision, sql):
        _run_env(config, script, run, settings, sql, start, target, tag)
        if run.executed and not sql:
            from ..events import emit

            emit(
                settings,
                "rollback:complete",
                command=command,
                steps=[step.describe() for step in run.executed],
            )
    return run.executed


def _scope(settings: Any, command: str, target: str | None, sql: bool) -> Any:
    """The events of one run (none for ``--sql``: nothing runs against a database)."""
    import contextlib

    if sql:
        return contextlib.nullcontext()
    from ..events import run_scope

    return run_scope(settings, command, target)


def _run_env(
    config: Config,
    script: Any,
    run: Any,
    settings: ZdmSettings,
    sql: bool,
    start: str | None,
    target: str | None,
    tag: str | None,
) -> None:
    """Run the user's ``env.py`` with *run* as the migration function, as Alembic's commands do.

    The single-runner lock is taken when ``env.py`` calls ``run_migrations()``, before
    Alembic reads the heads (:mod:`alembic_zdm.phases.environment`). Offline, the
    script is collected first and written out only when every phase rendered: an op
    that cannot be rendered fails before anything is printed.
    """
    import io
    import sys

    from alembic.runtime.environment import EnvironmentContext

    from .environment import SingleRunner

    returned: list[Any] = []

    def fn(heads: Any, ctx: Any) -> Any:
        steps = run(heads, ctx)
        returned.extend(steps)
        return steps

    out, buffer = config.output_buffer, io.StringIO() if sql else None
    if buffer is not None:
        config.output_buffer = buffer
    env = EnvironmentContext(
        config, script, fn=fn, as_sql=sql, starting_rev=start, destination_rev=target, tag=tag
    )
    runner = SingleRunner(env, settings)
    try:
        with env:
            script.run_env()
    finally:
        runner.close()
        config.output_buffer = out
    if buffer is not None:
        (out or sys.stdout).write(buffer.getvalue())
    runner.report(nothing_done=not returned and not run.executed)


def rollback(config: Config, sql: bool = False) -> list[Any]:
    """Undo the completed phases of in-flight (partially applied) revisions."""
    return downgrade(config, None, sql=sql)


def wrap_command_module(module: ModuleType) -> None:
    """Install the phase-aware ``upgrade``/``downgrade`` on ``alembic.command`` (idempotent)."""
    if getattr(module.upgrade, "_zdm_wrapper", False):
        return
    _ORIGINALS["upgrade"] = module.upgrade
    _ORIGINALS["downgrade"] = module.downgrade

    def upgrade_cmd(
        config: Config,
        revision: str,
        sql: bool = False,
        tag: str | None = None,
    ) -> None:
        upgrade(config, revision, sql=sql, tag=tag)

    def downgrade_cmd(
        config: Config,
        revision: str,
        sql: bool = False,
        tag: str | None = None,
    ) -> None:
        downgrade(config, revision, sql=sql, tag=tag)

    for name, fn in (("upgrade", upgrade_cmd), ("downgrade", downgrade_cmd)):
        original = _ORIGINALS[name]
        fn.__name__ = original.__name__
        fn.__qualname__ = original.__qualname__
        fn.__module__ = original.__module__
        fn.__doc__ = original.__doc__
        fn.__annotations__ = dict(original.__annotations__)
        fn._zdm_wrapper = True  # type: ignore[attr-defined]
        fn.__wrapped__ = original  # type: ignore[attr-defined]
        setattr(module, name, fn)
