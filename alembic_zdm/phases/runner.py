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
import dataclasses
import logging
import sys
import time
from collections.abc import Iterator, Sequence
from typing import Any

from alembic.runtime.migration import HeadMaintainer, MigrationContext, RevisionStep
from alembic.script import ScriptDirectory

from ..config import ZdmSettings
from ..errors import PhaseConflictError, PhaseFailedError, ZdmError
from . import replay
from .lock import runner_lock
from .model import Phase
from .revisions import RevisionPhases, load_revision
from .state import DONE, FAILED, ROLLED_BACK, StateCheckpoints, StateRow, StateStore
from .transactions import own_transaction, phase_transaction

log = logging.getLogger("alembic.runtime.zdm")


@dataclasses.dataclass(frozen=True)
class PlanStep:
    """One phase of one revision, to run or to undo."""

    rev: RevisionPhases
    phase: Phase
    undo: bool = False

    def describe(self) -> str:
        """``undo contract of 3f2a (rename users.name)`` style label."""
        verb = "undo " if self.undo else ""
        doc = (self.rev.script.doc or "").strip().splitlines()
        title = f" ({doc[0]})" if doc else ""
        return f"{verb}{self.phase.label} of {self.rev.revision}{title}"


def state_store(ctx: MigrationContext, settings: ZdmSettings) -> StateStore:
    """The state table next to Alembic's version table."""
    return StateStore(settings.state_table, ctx.version_table_schema)


def _say(ctx: MigrationContext, text: str) -> None:
    if ctx.as_sql:
        ctx.impl.static_output(f"-- alembic-zdm: {text}")
    else:
        log.info("zdm: %s", text)


def warn(text: str) -> None:
    """Print a warning line the user sees (stderr) and log it."""
    log.warning(text)
    print(f"alembic-zdm: warning: {text}", file=sys.stderr)


@contextlib.contextmanager
def _locked(ctx: MigrationContext, settings: ZdmSettings) -> Iterator[None]:
    if ctx.as_sql:
        yield
        return
    with runner_lock(ctx.connection, settings.runner_lock_wait_s):  # type: ignore[arg-type]
        yield


def _done_map(rows: dict[tuple[str, Phase], StateRow]) -> set[tuple[str, Phase]]:
    return {key for key, row in rows.items() if row.status == DONE}


def report_edited(
    revs: Sequence[RevisionPhases], rows: dict[tuple[str, Phase], StateRow]
) -> list[str]:
    """Warn about revisions edited after one of their phases ran; return the warnings."""
    messages = []
    for rev in revs:
        ran = [r for (name, _), r in rows.items() if name == rev.revision and r.status == DONE]
        changed = [r for r in ran if r.checksum and rev.checksum and r.checksum != rev.checksum]
        if changed:
            phases = ", ".join(r.phase.label for r in sorted(changed, key=lambda r: r.phase))
            messages.append(
                f"revision {rev.revision} ({rev.script.path and rev.script.path.rsplit('/', 1)[-1]}) "
                f"was edited after its {phases} phase ran; done phases are not re-run, so "
                "put further changes in a new revision"
            )
    for text in messages:
        warn(text)
    return messages


class _Executor:
    """Runs plan steps with state bookkeeping and version-table moves."""

    def __init__(
        self, ctx: MigrationContext, settings: ZdmSettings, script: ScriptDirectory, heads: Any
    ) -> None:
        self.ctx = ctx
        self.settings = settings
        self.script = script
        self.store = state_store(ctx, settings)
        self.heads = HeadMaintainer(ctx, heads)
        self.online = not ctx.as_sql
        self.tolerant = False
        """Offline planning: a step that cannot render is reported in the output, not raised."""

    def run(self, step: PlanStep, after: Any = None) -> None:
        """Run one step in its own transaction; *after* runs inside it on success."""
        ctx, rev = self.ctx, step.rev
        _say(ctx, f"running {step.describe()}")
        conn: Any = ctx.connection
        if self.online:
            with own_transaction(ctx):
                self.store.mark_running(conn, rev.revision, step.phase, rev.checksum)
        checkpoints = (
            StateCheckpoints(self.store, rev.revision, step.phase) if self.online else None
        )
        try:
            self._attempts(step, checkpoints, after)
        except Exception as exc:
            if self.tolerant:
                _say(ctx, f"cannot render: {_one_line(exc)}")
                return
            if self.online:
                with own_transaction(ctx):
                    self.store.finish(conn, rev.revision, step.phase, FAILED, _one_line(exc))
            if isinstance(exc, ZdmError):
                raise
            raise PhaseFailedError(
                f"The {step.describe()} failed and was rolled back: {_one_line(exc)}; fix the "
                "cause and run the same command again to continue from this phase."
            ) from exc

    def _attempts(self, step: PlanStep, checkpoints: Any, after: Any) -> None:
        """Run the step; retry the whole (transactional) step when a plain op hit its lock timeout."""
        ctx, rev = self.ctx, step.rev
        conn: Any = ctx.connection
        guard = phase_guard(ctx, self.settings)
        attempt = 1
        while True:
            try:
                with phase_transaction(ctx), _guarded(ctx, guard):
                    replay.run_phase(ctx, rev, step.phase, step.undo, checkpoints)
                    if self.online:
                        status = ROLLED_BACK if step.undo else DONE
                        self.store.finish(conn, rev.revision, step.phase, status)
                    if after is not None:
                        after()
                return
            except Exception as exc:
                if not self._retryable(exc) or attempt >= self.settings.retries:
                    raise
                from ..execution.policy import backoff_ms

                delay = backoff_ms(attempt, self.settings)
                warn(
                    f"{step.describe()} waited longer than its lock timeout "
                    f"({self.settings.lock_timeout_ms} ms) and was rolled back; "
                    f"retrying in {delay / 1000:.1f} s (attempt {attempt + 1} of {self.settings.retries})"
                )
                time.sleep(delay / 1000)
                attempt += 1

    def _retryable(self, exc: BaseException) -> bool:
        if not self.online or not self.ctx.impl.transactional_ddl or isinstance(exc, ZdmError):
            return False
        support = _support(self.ctx)
        return support is not None and support.is_lock_timeout(exc)

    def stamp_up(self, step: RevisionStep) -> None:
        """Move the version table up through *step* and fire ``on_version_apply``."""
        self.heads.update_to_step(step)
        self._callbacks(step)

    def stamp_down(self, step: RevisionStep) -> None:
        """Move the version table down through *step* and fire ``on_version_apply``."""
        self.heads.update_to_step(step)
        self._callbacks(step)

    def _callbacks(self, step: RevisionStep) -> None:
        for callback in self.ctx.on_version_apply_callbacks:
            callback(ctx=self.ctx, step=step.info, heads=set(self.heads.heads), run_args={})


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


def _support(ctx: MigrationContext) -> Any:
    from ..dialects import dialect_support

    try:
        return dialect_support(ctx.dialect)
    except ZdmError:
        return None


def phase_guard(ctx: MigrationContext, settings: ZdmSettings) -> list[str]:
    """Statements that open every phase transaction: the DDL lock timeout (DESIGN §3).

    Plain Alembic ops in a phase (``op.add_column`` …) then give up after
    ``lock_timeout_ms`` instead of queueing the application behind them; the
    runner retries the whole step (transactional DDL only). alembic-zdm's own
    statements set their own timeouts per operation class.
    """
    support = _support(ctx)
    if support is None or not ctx.impl.transactional_ddl:
        return []
    statements: list[str] = support.timeout_statements(settings.lock_timeout_ms, None, local=True)
    return statements


@contextlib.contextmanager
def _guarded(ctx: MigrationContext, guard: Sequence[str]) -> Iterator[None]:
    """Apply *guard* now and again after every ``autocommit_block()`` of the step.

    The guard is ``SET LOCAL``: it ends with the transaction that an autocommit block
    commits, so the transaction Alembic opens after the block gets it again.
    """
    if not guard:
        yield
        return
    original = ctx.autocommit_block

    @contextlib.contextmanager
    def autocommit_block() -> Iterator[None]:
        with original():
            yield
        for sql in guard:
            ctx.impl._exec(sql)

    for sql in guard:
        ctx.impl._exec(sql)
    ctx.autocommit_block = autocommit_block  # type: ignore[method-assign]
    try:
        yield
    finally:
        del ctx.autocommit_block


def _one_line(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return text[0] if text else type(exc).__name__


def plan_upgrade(
    revs: Sequence[RevisionPhases], done: set[tuple[str, Phase]], max_phase: Phase
) -> list[PlanStep]:
    """Phase-major plan: all pending expand steps in revision order, then migrate, then contract."""
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
        store = state_store(ctx, self.settings)
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
            rows = {(r.revision, r.phase): r for r in store.rows(conn, pending_ids)}
        if self.max_phase is None and not any(r.phased for r in revs) and not _done_map(rows):
            # nothing phase-related: Alembic's own path, unchanged
            return list(self.script._upgrade_revs(self.destination, heads))
        rmap = self.script.revision_map
        steps = [_Step(rmap, s, True) for s in scripts]
        with _locked(ctx, self.settings):
            if not ctx.as_sql:
                with own_transaction(ctx):
                    store.ensure(conn)
                rows = {(r.revision, r.phase): r for r in store.rows(conn, pending_ids)}
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
        executor = _Executor(ctx, self.settings, self.script, heads)
        executor.tolerant = self.assume_done is not None
        if ctx.as_sql and not executor.heads.heads:
            ctx._version.create(ctx.connection)  # type: ignore[arg-type]  # as Alembic does for offline runs from base
        next_index = 0

        def advance() -> None:
            nonlocal next_index
            while next_index < len(revs) and all(
                (revs[next_index].revision, p) in done for p in revs[next_index].phases
            ):
                executor.stamp_up(steps[next_index])
                next_index += 1

        if not plan:
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
        store = state_store(ctx, self.settings)
        conn: Any = ctx.connection
        rows = {} if ctx.as_sql else {(r.revision, r.phase): r for r in store.rows(conn)}
        scripts = (
            downgrade_scripts(self.script, self.destination, heads)
            if self.destination is not None
            else []
        )
        revs = [load_revision(s) for s in scripts]
        in_flight = self._in_flight(heads, rows)
        if (
            self.min_phase is None
            and not in_flight
            and not any(r.phased for r in revs)
            and not any(key[0] in {r.revision for r in revs} for key in rows)
        ):
            if self.destination is None:
                return []
            return list(self.script._downgrade_revs(self.destination, heads))
        steps = [_Step(self.script.revision_map, s, False) for s in scripts]
        with _locked(ctx, self.settings):
            if not ctx.as_sql:
                rows = {(r.revision, r.phase): r for r in store.rows(conn)}
            self._run(ctx, heads, steps, revs, in_flight, rows)
        return []

    def _in_flight(
        self, heads: Any, rows: dict[tuple[str, Phase], StateRow]
    ) -> list[RevisionPhases]:
        applied = {s.revision for s in self.script.revision_map.iterate_revisions(heads, "base")}
        started = {rev for (rev, _), row in rows.items() if row.status == DONE} - applied
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
        executor = _Executor(ctx, self.settings, self.script, heads)
        plan: list[PlanStep] = []
        for phase in reversed(Phase):
            if self.min_phase is not None and phase <= self.min_phase:
                break
            for rev in in_flight:
                row = rows.get((rev.revision, phase))
                if row is not None and row.status == DONE:
                    plan.append(PlanStep(rev, phase, undo=True))
            if self.min_phase is None:
                for rev in revs:
                    row = rows.get((rev.revision, phase))
                    if phase in rev.phases and (row is None or row.status == DONE):
                        plan.append(PlanStep(rev, phase, undo=True))
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
            i = index.get(step.rev.revision)
            after = (lambda i=i: lower_to(i)) if i is not None and i >= lowered else None
            executor.run(step, after=after)
            self.executed.append(step)
