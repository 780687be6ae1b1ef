"""Read-only views for ``status`` and ``history``: they run ``env.py`` to get a connection."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from .revisions import load_revision
from .runner import upgrade_scripts
from .state import DONE, StateRow, state_store

if TYPE_CHECKING:
    from alembic.config import Config
    from alembic.runtime.migration import MigrationContext


@dataclasses.dataclass
class RevisionStatus:
    """Where one pending or partially applied revision stands."""

    revision: str
    title: str
    phased: bool
    phases: dict[str, str]
    next_phase: str | None
    checkpoints: dict[str, Any]
    edited: bool

    def as_dict(self) -> dict[str, Any]:
        """JSON-friendly form."""
        return dataclasses.asdict(self)


def _with_context(config: Config, work: Callable[[MigrationContext], Any]) -> Any:
    from alembic.runtime.environment import EnvironmentContext
    from alembic.script import ScriptDirectory

    script = ScriptDirectory.from_config(config)
    result: list[Any] = []

    def fn(heads: Any, ctx: MigrationContext) -> list[Any]:
        result.append(work(ctx))
        return []

    with EnvironmentContext(config, script, fn=fn, dont_mutate=True):
        script.run_env()
    return result[0] if result else None


def status(config: Config) -> tuple[list[str], list[RevisionStatus]]:
    """Current heads, and the status of every pending or partial revision (oldest first)."""
    from ..config import load_settings
    from .revisions import script_directory

    settings = load_settings(config)
    script = script_directory(config)

    def work(ctx: MigrationContext) -> tuple[list[str], list[RevisionStatus]]:
        heads = ctx.get_current_heads()
        rows = {(r.revision, r.phase): r for r in state_store(ctx, settings).rows(ctx.connection)}  # type: ignore[arg-type]
        result = []
        for found in upgrade_scripts(script, "heads", heads):
            rev = load_revision(found)
            phases: dict[str, str] = {}
            checkpoints: dict[str, Any] = {}
            edited = False
            for phase in rev.phases:
                row = rows.get((rev.revision, phase))
                phases[phase.label] = row.status if row else "pending"
                if row and row.checkpoint:
                    checkpoints[phase.label] = row.checkpoint
                if row and row.status == DONE and row.checksum and row.checksum != rev.checksum:
                    edited = True
            next_phase = next((p for p, s in phases.items() if s != DONE), None)
            doc = (rev.script.doc or "").strip().splitlines()
            result.append(
                RevisionStatus(
                    rev.revision,
                    doc[0] if doc else "",
                    rev.phased,
                    phases,
                    next_phase,
                    checkpoints,
                    edited,
                )
            )
        return list(heads), result

    out: tuple[list[str], list[RevisionStatus]] = _with_context(config, work)
    return out


def history(config: Config) -> list[StateRow]:
    """Every recorded phase run, oldest first."""
    from ..config import load_settings

    settings = load_settings(config)

    def work(ctx: MigrationContext) -> list[StateRow]:
        return state_store(ctx, settings).rows(ctx.connection)  # type: ignore[arg-type]

    rows: list[StateRow] = _with_context(config, work)
    return rows
