"""Running one phase step: its transaction, lock-timeout guard, retries, state rows and
version-table moves. The runner (:mod:`alembic_zdm.phases.runner`) decides the order."""

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
from ..errors import PhaseFailedError, ZdmError
from ..execution.guard import StatementGuard, session_lock_timeout, transaction_guard
from ..execution.retry import StepAttempts
from . import replay, resume
from .model import Phase
from .revisions import RevisionPhases
from .state import DONE, FAILED, PARTIAL, ROLLED_BACK, StateCheckpoints, StateRow, state_store
from .transactions import StepLog, can_write, own_transaction, phase_transaction

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


def _say(ctx: MigrationContext, text: str) -> None:
    if ctx.as_sql:
        ctx.impl.static_output(f"-- alembic-zdm: {text}")
    else:
        log.info("zdm: %s", text)


def warn(text: str) -> None:
    """Print a warning line the user sees (stderr) and log it."""
    log.warning(text)
    print(f"alembic-zdm: warning: {text}", file=sys.stderr)


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


class Executor:
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
        self.step_log = StepLog()
        """What happened to the transaction during the latest step (commits it made itself)."""
        self._reaped = False

    def run(self, step: PlanStep, after: Any = None) -> None:
        """Run one step in its own transaction; *after* runs inside it on success."""
        ctx, rev = self.ctx, step.rev
        _say(ctx, f"running {step.describe()}")
        conn: Any = ctx.connection
        progress = None
        if self.online:
            progress = self._progress(step)
            with own_transaction(ctx):
                self.store.mark_running(
                    conn, rev.revision, step.phase, rev.checksum, undo=step.undo
                )
        checkpoints = (
            StateCheckpoints(self.store, rev.revision, step.phase) if self.online else None
        )
        started = time.monotonic()
        self._emit("step:start", step)
        self.step_log = StepLog()
        try:
            self._wait_until_healthy(step)
            with self._forward_backfill(step):
                self._attempts(step, checkpoints, after, progress)
        except Exception as exc:
            if self.tolerant:
                _say(ctx, f"cannot render: {_one_line(exc)}")
                return
            self._emit("error", step, duration_s=time.monotonic() - started, reason=_one_line(exc))
            exc._zdm_reported = True  # type: ignore[attr-defined]
            committed = self.step_log.durable
            kept = None
            if self.online and can_write(ctx):
                with own_transaction(ctx):
                    kept = resume.what_stayed(self.store, ctx.connection, rev.revision, step.phase)
                    # an undo rolled back whole leaves its phase applied: still done (a
                    # 'failed' row would make the next downgrade skip this undo)
                    failed = DONE if step.undo else FAILED
                    status = PARTIAL if kept or committed else failed
                    self.store.finish(conn, rev.revision, step.phase, status, _one_line(exc))
            if isinstance(exc, ZdmError) and not kept:
                raise
            text = self._failure_text(step, exc, committed, kept)
            failure = PhaseFailedError(text)
            failure._zdm_reported = True  # type: ignore[attr-defined]
            raise failure from exc
        self._emit("step:complete", step, duration_s=time.monotonic() - started)

    def _failure_text(self, step: PlanStep, exc: Exception, committed: bool, kept: Any) -> str:
        """The one sentence a failed step ends with: what ran, what stays, what to do."""
        if not self.online:
            return (
                f"The {step.describe()} cannot be rendered as offline SQL: {_one_line(exc)} "
                "(nothing ran, and no script is printed)."
            )
        if committed or kept:
            parts = "; ".join(p for p in (self.step_log.describe() if committed else "", kept) if p)
            return (
                f"The {step.describe()} failed after it had committed part of its work "
                f"({parts} stay committed, state 'partial'; only what followed was rolled "
                f"back): {_one_line(exc)}; fix the cause and run the same command again to "
                "continue from there (statements already done are skipped), or run "
                "'alembic-zdm rollback' to undo them."
            )
        return (
            f"The {step.describe()} failed and was rolled back: {_one_line(exc)}; fix "
            "the cause and run the same command again to continue from this phase."
        )

    def _wait_until_healthy(self, step: PlanStep) -> None:
        """Health gates before every step, the contract gate before contract (DESIGN §13)."""
        if not self.online:
            return
        from ..health import gate_for

        gate = gate_for(self.settings, self.ctx.connection)
        if gate is not None:
            try:
                gate.wait(f"the {step.describe()} (nothing of it ran)")
            finally:
                gate.close()
        if step.phase is Phase.CONTRACT and not step.undo:
            from ..health.contract_gate import check_contract_gate

            check_contract_gate(self.settings, self.ctx.connection, step.describe())

    def _emit(self, name: str, step: PlanStep, **fields: Any) -> None:
        if not self.online:
            return
        from ..events import current_command, emit

        emit(
            self.settings,
            name,
            command=current_command(),
            revision=step.rev.revision,
            phase=step.phase.label,
            undo=step.undo,
            **fields,
        )

    @contextlib.contextmanager
    def _forward_backfill(self, step: PlanStep) -> Iterator[None]:
        """Hand the step's backfill progress on as ``backfill:progress`` events."""
        if not self.online:
            yield
            return
        from ..backfill.progress import add_listener, remove_listener

        def forward(progress: Any) -> None:
            self._emit(
                "backfill:progress",
                step,
                rows=progress.rows,
                table=progress.table,
                batches=progress.batches,
                rows_per_s=progress.rows_per_s,
                done=progress.done,
            )

        add_listener(forward)
        try:
            yield
        finally:
            remove_listener(forward)

    def _progress(self, step: PlanStep) -> Any:
        """The step's statement-progress record; first clears what a killed runner left."""
        from .progress import StepProgress

        ctx, rev = self.ctx, step.rev
        conn: Any = ctx.connection
        with own_transaction(ctx):
            if not self._reaped:
                resume.reap_dead_runners(conn, self.store)
                self._reaped = True
            before = self.store.status_of(conn, rev.revision, step.phase)
        lenient = step.undo and before is not None and before != DONE
        return StepProgress(
            self.store, lambda: ctx.connection, rev.revision, step.phase, step.undo,
            ctx.dialect.name, lenient=lenient,
        )  # fmt: skip

    def _attempts(self, step: PlanStep, checkpoints: Any, after: Any, progress: Any) -> None:
        """Run the step; after a lock wait, roll the whole (transactional) step back and retry.

        See :mod:`alembic_zdm.execution.retry`: the step never keeps its locks while
        waiting for another one, and a table it had to wait for is locked first on
        the next try.
        """
        ctx, rev = self.ctx, step.rev
        conn: Any = ctx.connection
        attempts = StepAttempts(ctx, self.settings, f"The {step.describe()}")
        while True:
            try:
                with (
                    phase_transaction(ctx, step.describe()) as self.step_log,
                    _guarded(ctx, self.settings),
                ):
                    with attempts.watch() if self.online else contextlib.nullcontext():
                        if self.online:
                            attempts.lock_first()
                        with resume.recording(ctx, progress):
                            replay.run_phase(ctx, rev, step.phase, step.undo, checkpoints)
                    status = ROLLED_BACK if step.undo else DONE
                    if self.online:
                        self.store.finish(conn, rev.revision, step.phase, status)
                    elif not self.tolerant:
                        self.store.render_finish(
                            ctx, rev.revision, step.phase, status, rev.checksum
                        )
                    if after is not None:
                        after()
                return
            except Exception as exc:
                if not self.online:
                    raise
                # a revision that committed by itself is never re-run (it would repeat that)
                attempts.committed = attempts.committed or self.step_log.durable
                final = attempts.failed(exc)
                if final is exc:
                    raise
                if final is not None:
                    done = "stopped" if attempts.committed else "failed and was rolled back"
                    raise PhaseFailedError(
                        f"The {step.describe()} {done}: {_one_line(final)}"
                    ) from exc

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
def _guarded(ctx: MigrationContext, settings: ZdmSettings) -> Iterator[None]:
    """The lock timeout of a phase step, whichever way the database scopes it.

    Transactional DDL: ``SET LOCAL`` (the step is retried as a whole). MySQL/MariaDB:
    a session ``lock_wait_timeout`` for the step, put back afterwards; DDL commits by
    itself there, so a plain statement that timed out is retried on its own.
    """
    guard = phase_guard(ctx, settings)
    if guard:
        with transaction_guard(ctx, guard):
            yield
        return
    support = _support(ctx)
    if support is None or not support.session_lock_guard:
        yield
        return
    statements = StatementGuard(ctx, settings, support, retry=not ctx.as_sql)
    with session_lock_timeout(ctx, support, settings.lock_timeout_ms), statements.installed():
        yield


def _one_line(exc: BaseException) -> str:
    from sqlalchemy.exc import NoSuchTableError

    if isinstance(exc, NoSuchTableError):  # its text is the bare table name
        return f"table {str(exc)!r} does not exist; check the table name in the migration"
    text = str(exc).strip().splitlines()
    return text[0] if text else type(exc).__name__
