"""Constraints added without a long write-blocking scan.

``add_foreign_key_safe``, ``add_check_constraint_safe`` and ``add_unique_constraint_safe``
are pattern ops: written once (in ``expand()``), the cheap, additive half runs in
expand and the long scan in migrate. Planning is per dialect (``@plans``); the op
classes hold data only.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from alembic.operations import Operations

from ..errors import SchemaObjectError
from ..phases.model import Phase
from ..sql.quoting import SqlExpression
from ._run import dispatch_pattern, run_operation
from .base import PatternOperation


class _ConstraintOp(PatternOperation):
    """Shared shape: a named constraint on a table, with lock-setting overrides."""

    constraint_name: str
    table_name: str
    schema: str | None
    overrides: dict[str, Any]

    def run_phase(self, operations: Operations, phase: Phase, undo: bool) -> None:
        """Expand adds the constraint unchecked; migrate validates it; undo of expand drops it."""
        check = None
        if phase is Phase.EXPAND and not undo:
            check = self._check_expand
        elif phase is Phase.MIGRATE and not undo:
            check = self._check_migrate
        run_operation(
            operations, self, overrides=self.overrides, check=check, phase=phase, undo=undo
        )

    def _check_expand(self, operations: Operations) -> None:
        raise NotImplementedError

    def _check_migrate(self, operations: Operations) -> None:
        from ..execution import catalog

        if catalog.constraint_info(operations, self.table_name, self.constraint_name, self.schema):
            return
        raise SchemaObjectError(
            f"Constraint {self.constraint_name!r} does not exist on table {self.table_name!r}, "
            "so it cannot be validated; run the expand phase of this revision first."
        )


@Operations.register_operation("add_foreign_key_safe")
class AddForeignKeySafeOp(_ConstraintOp):
    """A foreign key added NOT VALID in expand and validated in migrate (data only)."""

    def __init__(
        self,
        constraint_name: str,
        source_table: str,
        referent_table: str,
        local_cols: Sequence[str],
        remote_cols: Sequence[str],
        *,
        ondelete: str | None = None,
        onupdate: str | None = None,
        deferrable: bool | None = None,
        initially: str | None = None,
        match: str | None = None,
        source_schema: str | None = None,
        referent_schema: str | None = None,
        overrides: dict[str, Any] | None = None,
    ) -> None:
        self.constraint_name = constraint_name
        self.table_name = self.source_table = source_table
        self.referent_table = referent_table
        self.local_cols = list(local_cols)
        self.remote_cols = list(remote_cols)
        self.ondelete = ondelete
        self.onupdate = onupdate
        self.deferrable = deferrable
        self.initially = initially
        self.match = match
        self.schema = self.source_schema = source_schema
        self.referent_schema = referent_schema
        self.overrides = dict(overrides or {})

    @classmethod
    def add_foreign_key_safe(
        cls,
        operations: Operations,
        constraint_name: str,
        source_table: str,
        referent_table: str,
        local_cols: Sequence[str],
        remote_cols: Sequence[str],
        *,
        ondelete: str | None = None,
        onupdate: str | None = None,
        deferrable: bool | None = None,
        initially: str | None = None,
        match: str | None = None,
        source_schema: str | None = None,
        referent_schema: str | None = None,
        **kw: Any,
    ) -> None:
        """Add a foreign key without blocking writes while existing rows are checked.

        Write it in ``expand()``: the constraint is added ``NOT VALID`` there (a brief
        lock; new rows are checked from then on) and validated in migrate (a scan
        that does not block writes). In a plain ``upgrade()`` both run, each in its
        own transaction. The naive ``op.create_foreign_key`` holds a SHARE ROW
        EXCLUSIVE lock on both tables for the whole scan.

        :param constraint_name: name of the foreign key.
        :param source_table: the referencing table.
        :param referent_table: the referenced table.
        :param local_cols: referencing columns.
        :param remote_cols: referenced columns (a primary key or unique constraint).
        :param ondelete: ``CASCADE``, ``SET NULL``, ``SET DEFAULT``, ``RESTRICT``, ``NO ACTION``.
        :param onupdate: same choices as *ondelete*.
        :param deferrable: ``True``/``False`` for ``[NOT] DEFERRABLE``.
        :param initially: ``DEFERRED`` or ``IMMEDIATE``.
        :param match: ``FULL``, ``PARTIAL`` or ``SIMPLE``.
        :param source_schema: schema of the referencing table.
        :param referent_schema: schema of the referenced table.
        :param kw: overrides of the lock settings (``lock_timeout_ms=…``, ``retries=…``).

        Example::

            def expand():
                op.add_foreign_key_safe(
                    "fk_orders_user", "orders", "users", ["user_id"], ["id"], ondelete="CASCADE"
                )

        PostgreSQL: expand ``ALTER TABLE … ADD CONSTRAINT … FOREIGN KEY … NOT VALID``
        (lock timeout + retries); migrate ``ALTER TABLE … VALIDATE CONSTRAINT …``
        in its own transaction (SHARE UPDATE EXCLUSIVE: reads and writes go on).
        Undoing expand drops the constraint; undoing migrate leaves it in place.
        Rows that break the key make migrate fail with the offending key named.
        """
        op = cls(
            constraint_name,
            source_table,
            referent_table,
            local_cols,
            remote_cols,
            ondelete=ondelete,
            onupdate=onupdate,
            deferrable=deferrable,
            initially=initially,
            match=match,
            source_schema=source_schema,
            referent_schema=referent_schema,
            overrides=kw,
        )
        operations.invoke(op)

    def touched_objects(self) -> list[tuple[str, str | None]]:
        """The referencing columns."""
        return [(self.source_table, c) for c in self.local_cols]

    def _check_expand(self, operations: Operations) -> None:
        from ..execution import catalog

        catalog.require_columns(operations, self.source_table, self.local_cols, self.source_schema)
        catalog.require_columns(
            operations, self.referent_table, self.remote_cols, self.referent_schema
        )
        if len(self.local_cols) != len(self.remote_cols):
            raise SchemaObjectError(
                f"Foreign key {self.constraint_name!r} has {len(self.local_cols)} local and "
                f"{len(self.remote_cols)} remote columns; give the same number of each."
            )


@Operations.register_operation("add_check_constraint_safe")
class AddCheckConstraintSafeOp(_ConstraintOp):
    """A CHECK constraint added NOT VALID in expand and validated in migrate (data only)."""

    def __init__(
        self,
        constraint_name: str,
        table_name: str,
        condition: SqlExpression,
        *,
        schema: str | None = None,
        overrides: dict[str, Any] | None = None,
        table_columns: Sequence[str] = (),
    ) -> None:
        self.constraint_name = constraint_name
        self.table_name = table_name
        self.condition = condition
        self.schema = schema
        self.overrides = dict(overrides or {})
        self.table_columns = list(table_columns)

    @classmethod
    def add_check_constraint_safe(
        cls,
        operations: Operations,
        constraint_name: str,
        table_name: str,
        condition: SqlExpression,
        *,
        schema: str | None = None,
        table_columns: Sequence[str] = (),
        **kw: Any,
    ) -> None:
        """Add a CHECK constraint without locking the table while existing rows are checked.

        Write it in ``expand()``: added ``NOT VALID`` there (brief ACCESS EXCLUSIVE lock,
        with lock timeout and retries; new rows are checked from then on), validated in
        migrate (SHARE UPDATE EXCLUSIVE: reads and writes go on). The naive
        ``op.create_check_constraint`` holds ACCESS EXCLUSIVE during the whole scan.

        :param constraint_name: name of the constraint.
        :param table_name: the table.
        :param condition: the SQL condition, as text (``"amount > 0"``) or an expression.
        :param schema: schema of the table.
        :param kw: overrides of the lock settings (``lock_timeout_ms=…``, ``retries=…``).

        Example::

            def expand():
                op.add_check_constraint_safe("ck_orders_amount", "orders", "amount > 0")

        :param table_columns: MySQL/MariaDB offline only: the table's columns (online
            they are read from the database).

        PostgreSQL: ``ADD CONSTRAINT … CHECK (…) NOT VALID`` then ``VALIDATE CONSTRAINT``.
        Undoing expand drops the constraint.

        MySQL/MariaDB: adding a CHECK constraint always copies the table under a write
        lock, so the condition is enforced by ``BEFORE INSERT`` / ``BEFORE UPDATE``
        triggers (``zdm_ck_ins_…`` / ``zdm_ck_upd_…``, failing with the server's own
        check-violation error) and migrate verifies the existing rows with a query.
        SQLite: Alembic batch mode (table recreation, which checks every row).
        """
        operations.invoke(
            cls(
                constraint_name,
                table_name,
                condition,
                schema=schema,
                overrides=kw,
                table_columns=table_columns,
            )
        )

    def run_phase(self, operations: Operations, phase: Phase, undo: bool) -> None:
        """As for every constraint op, with the table's columns read first when online."""
        if phase is Phase.EXPAND and not undo and not self.table_columns:
            from ._run import table_column_names

            self.table_columns = table_column_names(operations, self.table_name, self.schema)
        super().run_phase(operations, phase, undo)

    def touched_objects(self) -> list[tuple[str, str | None]]:
        """The whole table (the condition may name any column)."""
        return [(self.table_name, None)]

    def _check_expand(self, operations: Operations) -> None:
        from ..execution import catalog

        catalog.require_table(operations, self.table_name, self.schema)


@Operations.register_operation("add_unique_constraint_safe")
class AddUniqueConstraintSafeOp(_ConstraintOp):
    """A unique index built concurrently in expand, attached as a constraint in migrate."""

    def __init__(
        self,
        constraint_name: str,
        table_name: str,
        columns: Sequence[str],
        *,
        schema: str | None = None,
        overrides: dict[str, Any] | None = None,
    ) -> None:
        self.constraint_name = constraint_name
        self.table_name = table_name
        self.columns = list(columns)
        self.schema = schema
        self.overrides = dict(overrides or {})

    @classmethod
    def add_unique_constraint_safe(
        cls,
        operations: Operations,
        constraint_name: str,
        table_name: str,
        columns: Sequence[str],
        *,
        schema: str | None = None,
        **kw: Any,
    ) -> None:
        """Add a UNIQUE constraint without blocking writes while the index is built.

        Write it in ``expand()``: a unique index named like the constraint is built
        concurrently there; migrate attaches it (``ADD CONSTRAINT … UNIQUE USING INDEX``,
        a brief lock with no scan). The naive ``op.create_unique_constraint`` builds
        the index under a SHARE lock that blocks every write until it is done.

        :param constraint_name: name of the constraint (and of its index).
        :param table_name: the table.
        :param columns: the columns that must be unique together.
        :param schema: schema of the table.
        :param kw: overrides of the lock settings (``lock_timeout_ms=…``, ``retries=…``).

        Example::

            def expand():
                op.add_unique_constraint_safe("uq_users_email", "users", ["email"])

        PostgreSQL: expand ``CREATE UNIQUE INDEX CONCURRENTLY IF NOT EXISTS`` (duplicates
        fail the build, which is cleaned up: no INVALID index stays); migrate
        ``ALTER TABLE … ADD CONSTRAINT … UNIQUE USING INDEX …``. Undoing expand drops
        the constraint, then the index (concurrently).
        """
        operations.invoke(cls(constraint_name, table_name, columns, schema=schema, overrides=kw))

    def touched_objects(self) -> list[tuple[str, str | None]]:
        """The constrained columns."""
        return [(self.table_name, c) for c in self.columns]

    def _check_expand(self, operations: Operations) -> None:
        from ..execution import catalog

        catalog.require_columns(operations, self.table_name, self.columns, self.schema)

    def _check_migrate(self, operations: Operations) -> None:
        from ..execution import catalog

        if catalog.constraint_info(operations, self.table_name, self.constraint_name, self.schema):
            return
        info = catalog.index_info(operations, self.constraint_name, self.schema)
        if info is None or not info.valid:
            raise SchemaObjectError(
                f"Unique index {self.constraint_name!r} on {self.table_name!r} is missing, so "
                "the constraint cannot be attached; run the expand phase of this revision first."
            )


for _op in (AddForeignKeySafeOp, AddCheckConstraintSafeOp, AddUniqueConstraintSafeOp):
    Operations.implementation_for(_op)(dispatch_pattern)


# ---------------------------------------------------------------- PostgreSQL plans


from . import _constraints_pg  # noqa: E402,F401  (registers the PostgreSQL plans)
