"""Who is in the way of a statement, and what the migration itself already holds.

A statement that waits for a lock while its transaction already holds write-blocking
locks keeps the application waiting behind *those* locks for the whole wait
(DESIGN §13). The executor therefore never waits in that situation: it raises
:class:`StepRetry`, and whoever runs the step (the phase runner, or the guard of a
plain revision) rolls the step's transaction back — releasing everything — and
runs the step again. This module finds the tables a statement locks, the sessions
holding them, and builds the sentences of those errors.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Sequence
from typing import Any

from sqlalchemy.engine import Connection

from ..dialects import DialectSupport
from ..dialects.records import Blocker
from ..errors import LockNotAcquiredError
from ..sql.statement import LockLevel, Statement

Table = tuple[str, str | None, LockLevel]
"""``(table, schema, lock)``: a table a statement locks, and how strongly."""


@dataclasses.dataclass(frozen=True)
class Waited:
    """The table a statement waited for, and the sessions holding it."""

    table: str
    schema: str | None
    blockers: tuple[Blocker, ...]

    @property
    def name(self) -> str:
        """``schema.table`` or ``table``."""
        return f"{self.schema}.{self.table}" if self.schema else self.table

    def describe(self) -> str:
        """``'p' (blocked by pid 42 (idle in transaction for 3.0 s, …))`` for logs."""
        if not self.blockers:
            return f"{self.name!r} (no blocking session left when looked up)"
        return f"{self.name!r} (blocked by {'; '.join(b.describe() for b in self.blockers[:3])})"


class StepRetry(LockNotAcquiredError):
    """A lock the step could not take without waiting while it holds write-blocking locks.

    Raised by the executor instead of waiting; the step's runner rolls the step back
    (releasing every lock) and runs it again, first taking :attr:`waited`'s lock on
    its own. Without such a runner it is the final error, and its sentence says so.
    """

    def __init__(self, what: str, waited: Waited, lock: LockLevel, held: Sequence[str]) -> None:
        self.waited = waited
        self.lock = lock
        self.held = list(held)
        who = _who(waited.blockers)
        super().__init__(
            f"Could not lock table {waited.name!r} for {what!r} without waiting, and the "
            f"migration's transaction already holds write-blocking locks on "
            f"{', '.join(repr(h) for h in self.held)}: waiting would have kept the "
            f"application's writes to them waiting too, so the transaction was stopped "
            f"and rolled back instead — {who}; end or wait for those sessions and run the "
            "migration again (phase steps and guarded plain revisions retry this by themselves).",
            blockers=[b.describe() for b in waited.blockers],
        )


def _who(blockers: Sequence[Blocker]) -> str:
    if not blockers:
        return "no blocking session was left when looked up"
    return "blocking sessions: " + "; ".join(b.describe() for b in blockers[:5])


def held_by_step(support: DialectSupport, conn: Connection, ctx: Any, settings: Any) -> list[str]:
    """Tables the step's transaction holds write-blocking locks on, that others use.

    The version table and the state table are left out: only migrations touch them
    (creating ``alembic_version`` on a fresh database holds ACCESS EXCLUSIVE on it
    until the transaction ends, and blocks no application).
    """
    own = {
        support.quoter.table(ctx.version_table, ctx.version_table_schema),
        support.quoter.table(settings.state_table, ctx.version_table_schema),
        support.quoter.table(settings.state_table, None),
    }
    return [name for name in support.held_write_locks(conn) if name not in own]


def statement_tables(statement: Statement) -> list[Table]:
    """The tables *statement* locks: its own, then the ones it references."""
    found: list[Table] = []
    if statement.table:
        found.append((statement.table, statement.schema, statement.lock))
    lock = LockLevel.SHARE_ROW_EXCLUSIVE if statement.lock is not LockLevel.NONE else statement.lock
    found += [(table, schema, lock) for table, schema in statement.other_tables]
    return found


def blockers_by_table(
    support: DialectSupport, conn: Connection, tables: Sequence[Table]
) -> list[Waited]:
    """For each table, the other sessions whose locks conflict with the one wanted on it."""
    return [
        Waited(table, schema, tuple(support.lock_holders(conn, table, schema, lock)))
        for table, schema, lock in tables
    ]


def waited_for(found: Sequence[Waited]) -> Waited | None:
    """The table most likely waited for: the one with the longest-held conflicting lock."""
    blocked = [w for w in found if any(b.granted for b in w.blockers)]
    if not blocked:
        blocked = [w for w in found if w.blockers]
    if not blocked:
        return found[0] if found else None
    return max(blocked, key=lambda w: max((b.seconds for b in w.blockers), default=0.0))


_NAME = r'("(?:[^"]|"")+"|`(?:[^`]|``)+`|[\w$]+)(?:\s*\.\s*("(?:[^"]|"")+"|`(?:[^`]|``)+`|[\w$]+))?'
_TABLE_REFS = re.compile(
    r"\b(?:TABLE|REFERENCES|INTO|UPDATE|FROM|JOIN|ON)\s+(?:ONLY\s+)?(?:IF\s+(?:NOT\s+)?EXISTS\s+)?"
    + _NAME,
    re.I,
)
_NOT_TABLES = {"select", "only", "if", "set", "delete", "update", "conflict", "commit"}


def _unquote(name: str) -> str:
    if name[:1] in '"`' and name[-1:] == name[:1]:
        return name[1:-1].replace(name[0] * 2, name[0])
    return name.lower() if name.isidentifier() else name


def tables_in_sql(sql: str) -> list[tuple[str, str | None]]:
    """The ``(table, schema)`` names a SQL statement mentions, in order (a keyword reading).

    Used only to look up who blocked a plain statement: a word taken for a table
    that is none finds no lock holder and is left out of the report.
    """
    seen: list[tuple[str, str | None]] = []
    for match in _TABLE_REFS.finditer(sql):
        first, second = match.group(1), match.group(2)
        if first.lower() in _NOT_TABLES:
            continue
        name = (_unquote(second), _unquote(first)) if second else (_unquote(first), None)
        if name not in seen:
            seen.append(name)
    return seen


def plain_statement_blockers(
    support: DialectSupport, conn: Connection, sql: str
) -> tuple[Waited | None, list[Waited]]:
    """Who blocks the plain (Alembic) statement *sql*: the table waited for, and all found."""
    tables = [(t, s, LockLevel.ACCESS_EXCLUSIVE) for t, s in tables_in_sql(sql)]
    try:
        found = blockers_by_table(support, conn, tables)
    except Exception:  # a name that is not a table, or a look-up the server refuses
        found = []
        for table in tables:
            try:
                found += blockers_by_table(support, conn, [table])
            except Exception:
                continue
    return waited_for(found), found


def plain_lock_error(
    what: str,
    waited: Waited | None,
    attempts: int,
    elapsed_s: float,
    lock_timeout_ms: int | None,
    cause: BaseException,
) -> LockNotAcquiredError:
    """The final error of a plain statement that timed out on its lock in every try."""
    table = f" {waited.name!r}" if waited else ""
    blockers = list(waited.blockers) if waited else []
    timeout = f"lock timeout {lock_timeout_ms} ms each" if lock_timeout_ms else "its lock timeout"
    said = _first_line(cause)
    tries = f"{attempts} attempt{'s' if attempts != 1 else ''}"
    return LockNotAcquiredError(
        f"Could not lock table{table} for {what!r} after {tries} over {elapsed_s:.1f} s "
        f"({timeout}; the database said: {said}) — {_who(blockers)}; end or wait for those "
        "sessions, or raise retries / lock_timeout_ms, then run the migration again.",
        blockers=[b.describe() for b in blockers],
    )


def _first_line(error: BaseException) -> str:
    orig = getattr(error, "orig", error)
    lines = str(orig).strip().splitlines()
    return lines[0].rstrip(".") if lines else type(error).__name__


def statement_text(error: BaseException) -> str:
    """The SQL of the statement that raised *error* (SQLAlchemy keeps it), shortened."""
    sql = getattr(error, "statement", None) or ""
    return " ".join(str(sql).split())[:200]
