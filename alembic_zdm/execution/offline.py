"""Writing a plan into an offline (``--sql``) script: timeouts, COMMIT/BEGIN around
statements that cannot run in a transaction, restored settings."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from alembic.runtime.migration import MigrationContext
from sqlalchemy import text

from ..config import ZdmSettings
from ..dialects import DialectSupport
from ..errors import UnsupportedDialectError
from ..sql.statement import Plan, Statement
from .policy import TimeoutPolicy, policy_for


def runs_alone(statement: Statement) -> bool:
    """True for a statement that runs outside the open transaction (CONCURRENTLY, VALIDATE)."""
    return statement.autocommit or statement.own_transaction


def statement_groups(plan: Plan) -> Iterator[tuple[bool, list[Statement]]]:
    """Consecutive statements split by whether they run outside the open transaction."""
    group: list[Statement] = []
    for statement in plan:
        if group and runs_alone(group[0]) != runs_alone(statement):
            yield runs_alone(group[0]), group
            group = []
        group.append(statement)
    if group:
        yield runs_alone(group[0]), group


def _render(statement: Statement, ctx: MigrationContext) -> str:
    if not statement.params:
        return statement.sql
    clause = text(statement.sql).bindparams(**statement.params)
    return str(clause.compile(dialect=ctx.dialect, compile_kwargs={"literal_binds": True}))


class OfflineWriter:
    """Writes the plan to Alembic's output buffer, with its timeouts and COMMIT/BEGIN."""

    def __init__(self, ctx: MigrationContext, support: DialectSupport, settings: ZdmSettings):
        self.ctx = ctx
        self.support = support
        self.settings = settings
        self.current: dict[str, int | None] = {}

    def emit(self, sql: str) -> None:
        self.ctx.impl.static_output(sql + self.ctx.impl.command_terminator)

    def run_plan(self, plan: Plan) -> list[Any]:
        for isolated, group in statement_groups(plan):
            if not isolated:
                for statement in group:
                    self._in_transaction(statement)
                continue
            self._reset_local()
            with self.ctx.autocommit_block():
                for statement in group:
                    self._outside(statement)
        self._reset_local()
        return []

    def _in_transaction(self, statement: Statement) -> None:
        policy = policy_for(self.settings, statement.timeout_class)
        for name, value in (
            ("lock_timeout", policy.lock_timeout_ms),
            ("statement_timeout", policy.statement_timeout_ms),
        ):
            if value is None or self.current.get(name) == value:
                continue
            lock = value if name == "lock_timeout" else None
            stmt = value if name == "statement_timeout" else None
            for sql in self.support.timeout_statements(lock, stmt, local=True):
                self.emit(sql)
            self.current[name] = value
        self._statement(statement)

    def _statement(self, statement: Statement) -> None:
        """The statement itself, with its session variables around it."""
        before, after = (
            self.support.session_statements(statement.session) if statement.session else ([], [])
        )
        for sql in before:
            self.emit(sql)
        if statement.batch is not None:
            self._batch(statement)
        else:
            self.emit(_render(statement, self.ctx))
        for sql in after:
            self.emit(sql)

    def _batch(self, statement: Statement) -> None:
        """Batch mode recreates the table from its reflected definition: no database, no SQL.

        ``alembic-zdm plan`` (which lends a catalog) gets a comment describing the
        rebuild instead, so it can show it; a real ``--sql`` script refuses.
        """
        assert statement.batch is not None
        from ..phases.context import offline_catalog

        if offline_catalog() is not None:
            self.emit(statement.batch.describe())
            return
        raise UnsupportedDialectError(
            f"{statement.description or 'This change'} recreates table "
            f"{statement.batch.table!r} (SQLite batch mode), which needs the live database to "
            "read the table from, so it has no offline SQL; run this migration online."
        )

    def _reset_local(self) -> None:
        if self.current:
            for sql in self.support.reset_statements(sorted(self.current), local=True):
                self.emit(sql)
        self.current = {}

    def _outside(self, statement: Statement) -> None:
        policy = policy_for(self.settings, statement.timeout_class)
        timeouts = self.support.timeout_statements(
            policy.lock_timeout_ms, policy.statement_timeout_ms, local=not statement.autocommit
        )
        if statement.autocommit:
            names = timeout_names(policy)
            for sql in timeouts:
                self.emit(sql)
            self._statement(statement)
            for sql in self.support.reset_statements(names, local=False):
                self.emit(sql)
            return
        self.emit("BEGIN")
        for sql in timeouts:
            self.emit(sql)
        self._statement(statement)
        self.emit("COMMIT")


def timeout_names(policy: TimeoutPolicy) -> list[str]:
    """The timeout settings *policy* sets (to put back afterwards)."""
    names = []
    if policy.lock_timeout_ms is not None:
        names.append("lock_timeout")
    if policy.statement_timeout_ms is not None:
        names.append("statement_timeout")
    return names
