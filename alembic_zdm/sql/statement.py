"""A plan is a list of annotated statements; one executor runs them (STYLE habit 4)."""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence

from .levels import LockLevel as LockLevel  # re-exported: plans import them from here
from .levels import TimeoutClass as TimeoutClass


@dataclasses.dataclass(frozen=True)
class Statement:
    """One SQL statement of a plan, with what the executor and ``plan`` need to know.

    :param sql: the SQL text, identifiers already quoted through the dialect.
    :param lock: the strongest lock it takes on *table*.
    :param timeout_class: the timeout policy to run it under.
    :param autocommit: it must run outside a transaction block (``CONCURRENTLY``).
    :param table: the table it locks, if any.
    :param rewrites: it rewrites the table.
    :param scans: it scans the whole table while holding *lock*.
    :param description: a short human sentence for ``plan`` and progress output.
    :param params: bound parameters of *sql* (values never enter SQL text).
    :param schema: the schema of *table* (``None``: the search path). *table* and
        *schema* are raw names, used for catalog look-ups and messages, never as SQL.
    :param own_transaction: run in a transaction of its own that commits at once (what
        came before is committed first, through ``autocommit_block()``), so a long
        statement (``VALIDATE``) never runs while earlier strong locks are still held.
    :param done_check: a query (with *done_params*) that returns a row when the
        statement's effect is already there; online, the executor then skips it, so a
        re-run after a partial failure completes instead of failing.
    :param fail_if_rows: a guard: *sql* is a query, and when it returns a row the
        executor stops with this sentence (the first column of the row, when it is a
        number, is appended as a count). Databases without anonymous code blocks
        (MySQL, SQLite) check schema and data this way; offline the query is printed.
    :param fail_kind: ``"data"`` (:class:`~alembic_zdm.errors.DataIntegrityError`) or
        ``"schema"`` (:class:`~alembic_zdm.errors.SchemaObjectError`) for *fail_if_rows*.
    :param session: session variables set just before *sql* and put back right after,
        even when it fails (MySQL ``foreign_key_checks``); names are fixed by the
        plan, values are plain numbers or keywords.
    :param batch: run through Alembic's batch mode (SQLite table recreation) instead
        of *sql*, which then only describes the change for ``plan`` output.
    :param other_tables: ``(table, schema)`` of further tables the statement locks
        with SHARE ROW EXCLUSIVE (the referenced table of a foreign key): the executor
        looks for their blockers too, and never waits for them while the transaction
        holds write-blocking locks.
    :param builds_index: the raw name of the index a concurrent build creates (in
        *schema*); the executor drops an INVALID leftover of it before the build and
        after a failed try.
    """

    sql: str
    lock: LockLevel = LockLevel.NONE
    timeout_class: TimeoutClass = TimeoutClass.DDL
    autocommit: bool = False
    table: str | None = None
    rewrites: bool = False
    scans: bool = False
    description: str = ""
    params: dict[str, object] = dataclasses.field(default_factory=dict)
    schema: str | None = None
    own_transaction: bool = False
    done_check: str | None = None
    done_params: dict[str, object] = dataclasses.field(default_factory=dict)
    builds_index: str | None = None
    other_tables: tuple[tuple[str, str | None], ...] = ()
    fail_if_rows: str | None = None
    fail_kind: str = "data"
    session: tuple[tuple[str, str], ...] = ()
    batch: BatchAlter | None = None


@dataclasses.dataclass(frozen=True)
class BatchAlter:
    """Changes applied through ``op.batch_alter_table`` (data only).

    :param table: the table.
    :param schema: its schema.
    :param calls: ``(method, args, kwargs)`` for each call on the batch object,
        e.g. ``("alter_column", ("email",), {"nullable": False})``.
    """

    table: str
    schema: str | None
    calls: tuple[tuple[str, tuple[object, ...], tuple[tuple[str, object], ...]], ...]

    @classmethod
    def one(
        cls, table: str, schema: str | None, method: str, *args: object, **kw: object
    ) -> BatchAlter:
        """A batch with a single call."""
        return cls(table, schema, ((method, args, tuple(sorted(kw.items()))),))

    def describe(self) -> str:
        """``batch_alter_table(users): alter_column('email', nullable=False)`` for ``plan``."""
        parts = []
        for method, args, kw in self.calls:
            shown = [repr(a) for a in args] + [f"{k}={v!r}" for k, v in kw]
            parts.append(f"{method}({', '.join(shown)})")
        return f"-- batch_alter_table({self.table}): " + "; ".join(parts)


Plan = Sequence[Statement]
