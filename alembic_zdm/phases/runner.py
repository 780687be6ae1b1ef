"""The phase runner: what ``alembic upgrade zdm-phase:N`` and friends execute.

The user's ``env.py`` owns the connection. ``alembic.command.upgrade`` runs
``env.py`` under an ``EnvironmentContext(config, script, fn=…)``; Alembic calls
``fn(heads, migration_context)`` from inside ``context.run_migrations()``. The
runner's ``fn`` either returns Alembic's own steps (plain revisions only, nothing in
flight, no phase limit: Alembic's behaviour exactly) or runs the selected phases
itself — phase-major, one transaction per step — moves the version table with
Alembic's ``HeadMaintainer`` when a revision's last phase is done, fires
``on_version_apply`` callbacks, and returns no steps.
"""

from __future__ import annotations

import contextlib
import logging
import re
import sys
from collections.abc import Iterator, Sequence
from typing import TYPE_CHECKING, Any

from alembic.runtime.migration import MigrationContext, RevisionStep
from alembic.script import ScriptDirectory

from ..config import ZdmSettings
from ..errors import PhaseConflictError
from .lock import HELD_ATTR, RunnerLock
from .model import DONE, PARTIAL, ROLLED_BACK, RUNNING, Phase
from .revisions import RevisionPhases, load_revision

if TYPE_CHECKING:
    from .state import StateRow
    from .steps import PlanStep

log = logging.getLogger("alembic.runtime.zdm")


@contextlib.contextmanager
def _locked(ctx: MigrationContext, settings: ZdmSettings) -> Iterator[None]:
    """The runner lock, unless the environment already took it (``alembic_zdm`` commands do)."""
    if ctx.as_sql or getattr(ctx, HELD_ATTR, None) is not None:
        yield
        return
    lock = RunnerLock(ctx.connection, settings.runner_lock_wait_s)  # type: ignore[arg-type]
    lock.acquire()
    try:
        yield
    finally:
        lock.release()


def _to_undo(row: StateRow) -> bool:
    """A phase that rollback must undo: done, or stopped with some of its work committed."""
    if row.status == DONE:
        return True
    return row.status in (RUNNING, PARTIAL) and bool(row.progress or row.checkpoint)


def _state_rows(
    ctx: MigrationContext, settings: ZdmSettings, revisions: Sequence[str] | None
) -> dict[tuple[str, Phase], StateRow]:
    """The state rows of *revisions* (all when ``None``), by (revision, phase).

    A database without a state table (no phased revision ever ran on it) has none, and
    then the state module is not even imported: a plain ``upgrade`` stays cheap.
    """
    from sqlalchemy import inspect

    conn: Any = ctx.connection
    # StateStore.exists, asked before the state module is imported
    if not inspect(conn).has_table(settings.state_table, schema=ctx.version_table_schema):
        return {}
    from .state import state_store

    found = state_store(ctx, settings).rows_of_existing(conn, revisions)
    return {(r.revision, r.phase): r for r in found}


def _done_map(rows: dict[tuple[str, Phase], StateRow]) -> set[tuple[str, Phase]]:
    return {key for key, row in rows.items() if row.status == DONE}


class _Step(RevisionStep):
    """A ``RevisionStep`` for stamping only: phased revisions may have no ``upgrade()``."""

    def __init__(self, revision_map: Any, script: Any, is_upgrade: bool) -> None:
        self.revision_map = revision_map
        self.revision = script
        self.is_upgrade = is_upgrade
        self.migration_fn = _noop


def _noop(**kw: Any) -> None:
    return None


def upgrade_scripts(script: ScriptDirectory, destination: str, heads: Any) -> list[Any]:
    """The revisions an upgrade to *destination* applies, oldest first (as Alembic orders them)."""
    with script._catch_revision_errors(
        ancestor="Destination %(end)s is not a valid upgrade target from current head(s)",
        end=destination,
    ):
        revs = script.iterate_revisions(destination, heads, implicit_base=True)
        return list(reversed(list(revs)))


def downgrade_scripts(script: ScriptDirectory, destination: str, heads: Any) -> list[Any]:
    """The revisions a downgrade to *destination* undoes, newest first."""
    with script._catch_revision_errors(
        ancestor="Destination %(end)s is not a valid downgrade target from current head(s)",
        end=destination,
    ):
        return list(script.iterate_revisions(heads, destination, select_for_downgrade=True))


def plan_upgrade(
    revs: Sequence[RevisionPhases], done: set[tuple[str, Phase]], max_phase: Phase
) -> list[PlanStep]:
    """Phase-major plan: all pending expand steps in revision order, then migrate, then contract."""
    from .steps import PlanStep

    plan = []
    for phase in Phase:
        if phase > max_phase:
            break
        for rev in revs:
            if phase in rev.phases and (rev.revision, phase) not in done:
                plan.append(PlanStep(rev, phase))
    return plan


def check_conflicts(
    ctx: MigrationContext, revs: Sequence[RevisionPhases], plan: Sequence[PlanStep]
) -> None:
    """Refuse a plan where an earlier revision's contract and a later one's expand collide."""
    from . import replay

    order = {rev.revision: i for i, rev in enumerate(revs)}
    contracts = [s for s in plan if s.phase is Phase.CONTRACT]
    expands = [s for s in plan if s.phase is Phase.EXPAND]
    if not contracts or not expands:
        return
    for early in contracts:
        later = [s for s in expands if order[s.rev.revision] > order[early.rev.revision]]
        if not later:
            continue
        early_objects = replay.touched_objects(ctx, early.rev, Phase.CONTRACT)
        for late in later:
            hits = replay.overlap(
                early_objects, replay.touched_objects(ctx, late.rev, Phase.EXPAND)
            )
            if hits:
                table, column = hits[0]
                what = f"{table}.{column}" if column else f"table {table}"
                raise PhaseConflictError(
                    f"Revision {early.rev.revision}'s contract phase and revision "
                    f"{late.rev.revision}'s expand phase both change {what}, and phase-major "
                    f"order would run the expand first: deploy them apart (upgrade to "
                    f"{early.rev.revision} first, then to the later revision)."
                )


class UpgradeRun:
    """The ``fn`` Alembic calls for an upgrade with phase support."""

    def __init__(
        self,
        script: ScriptDirectory,
        settings: ZdmSettings,
        destination: str,
        max_phase: Phase | None,
        assume_done: set[tuple[str, Phase]] | None = None,
    ) -> None:
        self.script = script
        self.settings = settings
        self.destination = destination
        self.max_phase = max_phase
        self.assume_done = assume_done
        """Offline only: phases known to be done (``plan`` reads them online first)."""
        self.executed: list[PlanStep] = []

    def __call__(self, heads: Any, ctx: MigrationContext) -> list[Any]:
        scripts = upgrade_scripts(self.script, self.destination, heads)
        revs = [load_revision(s) for s in scripts]
        conn: Any = ctx.connection
        pending_ids = [r.revision for r in revs]
        if ctx.as_sql:
            rows: dict[tuple[str, Phase], StateRow] = {}
            if self.assume_done is not None:
                self._run(
                    ctx,
                    heads,
                    [_Step(self.script.revision_map, s, True) for s in scripts],
                    revs,
                    set(self.assume_done),
                )
                return []
        else:
            rows = _state_rows(ctx, self.settings, pending_ids)
        if self.max_phase is None and not any(r.phased for r in revs) and not _done_map(rows):
            # nothing phase-related: Alembic's own steps, under the lock guard (DESIGN §13)
            from ..execution.plain import guard_plain_steps

            rmap = self.script.revision_map
            return guard_plain_steps(
                ctx, self.settings, [RevisionStep(rmap, s, True) for s in scripts]
            )
        from .steps import report_edited
        from .transactions import own_transaction

        rmap = self.script.revision_map
        steps = [_Step(rmap, s, True) for s in scripts]
        from .state import state_store

        store = state_store(ctx, self.settings)
        with _locked(ctx, self.settings):
            if not ctx.as_sql:
                with own_transaction(ctx):
                    store.ensure(conn)
                rows = {(r.revision, r.phase): r for r in store.rows_of_existing(conn, pending_ids)}
            report_edited(revs, rows)
            self._run(ctx, heads, steps, revs, _done_map(rows))
        return []

    def _run(
        self,
        ctx: MigrationContext,
        heads: Any,
        steps: Sequence[RevisionStep],
        revs: Sequence[RevisionPhases],
        done: set[tuple[str, Phase]],
    ) -> None:
        plan = plan_upgrade(revs, done, self.max_phase or Phase.CONTRACT)
        check_conflicts(ctx, revs, plan)
        from .steps import Executor

        executor = Executor(ctx, self.settings, self.script, heads)
        executor.tolerant = self.assume_done is not None
        if ctx.as_sql and not executor.heads.heads:
            ctx._version.create(ctx.connection)  # type: ignore[arg-type]  # as Alembic does for offline runs from base
        if ctx.as_sql and self.assume_done is None:
            executor.store.render_create(ctx)
        next_index = 0

        def advance() -> None:
            nonlocal next_index
            while next_index < len(revs) and all(
                (revs[next_index].revision, p) in done for p in revs[next_index].phases
            ):
                executor.stamp_up(steps[next_index])
                next_index += 1

        if not plan:
            from .transactions import phase_transaction

            with phase_transaction(ctx):
                advance()
            return
        for step in plan:
            done.add((step.rev.revision, step.phase))
            try:
                executor.run(step, after=advance)
            except BaseException:
                done.discard((step.rev.revision, step.phase))
                raise
            self.executed.append(step)


def count_in_flight_first(
    destination: str | None, in_flight: Sequence[RevisionPhases]
) -> tuple[str | None, list[RevisionPhases]]:
    """A relative ``-N`` counts in-flight revisions first, newest first (docs/phases.md).

    Returns the destination left for applied revisions (``None``: the version table
    stays) and the in-flight revisions to undo. Other destinations undo every
    in-flight revision and keep their meaning.
    """
    match = re.fullmatch(r"-(\d+)", (destination or "").strip())
    if match is None or not in_flight:
        return destination, list(in_flight)
    wanted = int(match.group(1))
    taken = list(in_flight[:wanted])
    left = wanted - len(taken)
    return (f"-{left}" if left else None), taken


def announce_undo(destination: str | None, plan: Sequence[PlanStep]) -> None:
    """Print the steps a downgrade will undo, in order, before it undoes any."""
    if not plan:
        return
    what = f"downgrade {destination}" if destination is not None else "rollback"
    lines = [f"alembic-zdm: {what} will undo, in this order:"]
    for number, step in enumerate(plan, 1):
        label = step.describe()
        if not step.rev.phased:  # one step: its downgrade()
            label = "downgrade() of" + label.removeprefix(f"undo {step.phase.label} of")
        lines.append(f"  {number}. {label}")
    print("\n".join(lines), file=sys.stderr, flush=True)


class DowngradeRun:
    """The ``fn`` Alembic calls for a downgrade or rollback with phase support.

    In-flight revisions (some phases done, not yet in the version table) are
    undone first; then, down to *destination*, applied revisions. Undo order is the
    reverse of phase-major: every contract (newest revision first), then migrate,
    then expand. ``min_phase`` keeps phases up to it (``zdm-phase:N`` targets).
    """

    def __init__(
        self,
        script: ScriptDirectory,
        settings: ZdmSettings,
        destination: str | None,
        min_phase: Phase | None = None,
    ) -> None:
        self.script = script
        self.settings = settings
        self.destination = destination
        self.min_phase = min_phase
        self.executed: list[PlanStep] = []

    def __call__(self, heads: Any, ctx: MigrationContext) -> list[Any]:
        rows = {} if ctx.as_sql else _state_rows(ctx, self.settings, None)
        destination, in_flight = count_in_flight_first(
            self.destination, self._in_flight(heads, rows)
        )
        scripts = (
            downgrade_scripts(self.script, destination, heads) if destination is not None else []
        )
        revs = [load_revision(s) for s in scripts]
        if (
            self.min_phase is None
            and not in_flight
            and not any(r.phased for r in revs)
            and not any(key[0] in {r.revision for r in revs} for key in rows)
        ):
            if destination is None:
                return []
            from ..execution.plain import guard_plain_steps

            steps = list(self.script._downgrade_revs(destination, heads))
            return guard_plain_steps(ctx, self.settings, steps)
        steps = [_Step(self.script.revision_map, s, False) for s in scripts]
        with _locked(ctx, self.settings):
            if not ctx.as_sql:
                rows = _state_rows(ctx, self.settings, None)
            self._run(ctx, heads, steps, revs, in_flight, rows)
        return []

    def _in_flight(
        self, heads: Any, rows: dict[tuple[str, Phase], StateRow]
    ) -> list[RevisionPhases]:
        applied = {s.revision for s in self.script.revision_map.iterate_revisions(heads, "base")}
        started = {rev for (rev, _), row in rows.items() if _to_undo(row)} - applied
        ordered = []
        for script in self.script.walk_revisions():  # newest first
            if script.revision in started:
                ordered.append(load_revision(script))
        return ordered

    def _run(
        self,
        ctx: MigrationContext,
        heads: Any,
        steps: Sequence[RevisionStep],
        revs: Sequence[RevisionPhases],
        in_flight: Sequence[RevisionPhases],
        rows: dict[tuple[str, Phase], StateRow],
    ) -> None:
        from .steps import Executor, PlanStep

        executor = Executor(ctx, self.settings, self.script, heads)
        plan: list[PlanStep] = []
        for phase in reversed(Phase):
            if self.min_phase is not None and phase <= self.min_phase:
                break
            for rev in in_flight:
                row = rows.get((rev.revision, phase))
                if row is not None and _to_undo(row):
                    plan.append(PlanStep(rev, phase, undo=True))
            if self.min_phase is None:
                for rev in revs:
                    row = rows.get((rev.revision, phase))
                    # an applied revision's phase is undone unless its undo finished: a
                    # downgrade killed inside it left it running (or partial) mid-undo
                    if phase in rev.phases and (row is None or row.status != ROLLED_BACK):
                        plan.append(PlanStep(rev, phase, undo=True))
        if not ctx.as_sql:
            announce_undo(self.destination, plan)
        index = {rev.revision: i for i, rev in enumerate(revs)}
        lowered = 0

        def lower_to(i: int) -> None:
            # Undoing any phase of revs[i] makes it (and its descendants) incomplete:
            # the version table moves below it, newest first, as Alembic would.
            nonlocal lowered
            while lowered <= i:
                executor.stamp_down(steps[lowered])
                lowered += 1

        for step in plan:
            row = rows.get((step.rev.revision, step.phase))
            if row is not None and row.status != DONE and not row.progress.get("undo"):
                _finish_first(ctx, executor, step)  # (an interrupted undo just goes on)
            i = index.get(step.rev.revision)
            after = (lambda i=i: lower_to(i)) if i is not None and i >= lowered else None
            executor.run(step, after=after)
            self.executed.append(step)


def _finish_first(ctx: MigrationContext, executor: Any, step: PlanStep) -> None:
    """Before undoing an unfinished step, finish it when its ops' undo needs that.

    A swap (type change, rename, split, merge) undoes a *finished* contract exactly; a
    half-done one is finished first (its data lives in the new columns all along).
    When finishing fails, the undo runs on what is there, forgiving what is missing.
    """
    from . import replay
    from .steps import PlanStep, warn

    if not any(getattr(p, "finish_before_undo", False) for p in replay.pattern_ops(ctx, step.rev)):
        return
    try:
        executor.run(PlanStep(step.rev, step.phase))
    except Exception as exc:  # the undo below copes with what the step left
        warn(
            f"could not finish the interrupted {step.phase.label} of {step.rev.revision} "
            f"before undoing it ({exc}); undoing what it did"
        )
