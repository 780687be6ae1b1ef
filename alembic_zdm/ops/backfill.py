"""``op.backfill`` and ``op.validate_backfill``: batched data movement and its check."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from alembic.operations import MigrateOperation, Operations


@Operations.register_operation("backfill")
class BackfillOp(MigrateOperation):
    """Update a table in key-range batches (data; see :func:`_backfill`)."""

    def __init__(
        self,
        table_name: str,
        set: Mapping[str, str],
        where: str | None = None,
        batch_size: int | None = None,
        schema: str | None = None,
        key: Sequence[str] | None = None,
        params: Mapping[str, Any] | None = None,
    ) -> None:
        self.table_name = table_name
        self.set = dict(set)
        self.where = where
        self.batch_size = batch_size
        self.schema = schema
        self.key = tuple(key) if key else None
        self.params = dict(params) if params else None

    @classmethod
    def backfill(
        cls,
        operations: Operations,
        table_name: str,
        set: Mapping[str, str],
        *,
        where: str | None = None,
        batch_size: int | None = None,
        schema: str | None = None,
        key: Sequence[str] | None = None,
        params: Mapping[str, Any] | None = None,
    ) -> None:
        """Set columns of existing rows in short batches, resumable after a crash.

        Equivalent to ``UPDATE table SET col = expr … WHERE where`` but run as key-range
        batches (primary key, composite keys too), each in its own transaction outside
        the migration's transaction, with an adaptive batch size, a checkpoint after
        every batch and progress on a terminal. Belongs in ``migrate()``.

        ``set=`` and ``where=`` are SQL written by the revision author, never user
        data: they reach the database exactly as written (colons, JSON literals and
        ``--`` comments included). Pass values through *params*.

        :param table_name: the table.
        :param set: column → SQL expression over the row's columns, e.g.
            ``{"email_lower": "lower(email)"}``; column names are quoted.
        :param where: optional SQL condition limiting the rows.
        :param batch_size: initial rows per batch (default ``backfill_batch_size``).
        :param schema: the table's schema.
        :param key: columns to page on (default: the primary key).
        :param params: values for ``:name`` placeholders in *set* and *where*, sent as
            bound parameters (``where="status = :s", params={"s": "open"}``).

        Example::

            def migrate():
                op.backfill("users", set={"email_lower": "lower(email)"},
                            where="email IS NOT NULL")

        PostgreSQL offline (``--sql``): a ``DO`` block committing after every batch;
        pass ``key=`` when the key is not ``id``.
        """
        operations.invoke(cls(table_name, set, where, batch_size, schema, key, params))

    def spec(self) -> Any:
        """The engine's description of this backfill."""
        from ..backfill import BackfillSpec

        return BackfillSpec(
            self.table_name, self.set, self.where, self.schema, self.key, self.params
        )


@Operations.implementation_for(BackfillOp)
def _backfill(operations: Operations, operation: BackfillOp) -> None:
    from ._pattern import Ctx

    ctx = Ctx(operations)
    spec = operation.spec()
    ctx.columns(spec.table, spec.schema)
    ctx.backfill(spec, operation.batch_size, operation.key)


@Operations.register_operation("validate_backfill")
class ValidateBackfillOp(MigrateOperation):
    """Check a backfilled column holds its expected value everywhere (data)."""

    def __init__(
        self,
        table_name: str,
        column: str,
        expected: str,
        where: str | None = None,
        schema: str | None = None,
        sample: int = 5,
    ) -> None:
        self.table_name = table_name
        self.column = column
        self.expected = expected
        self.where = where
        self.schema = schema
        self.sample = sample

    @classmethod
    def validate_backfill(
        cls,
        operations: Operations,
        table_name: str,
        *,
        column: str,
        expected: str,
        where: str | None = None,
        schema: str | None = None,
        sample: int = 5,
    ) -> None:
        """Stop the phase when a row's *column* differs from the SQL expression *expected*.

        Raises :class:`~alembic_zdm.errors.BackfillVerificationError` naming the number
        of rows that differ (``IS DISTINCT FROM``, so NULLs compare as values) and up to
        *sample* of their keys.

        :param table_name: the table.
        :param column: the backfilled column.
        :param expected: SQL expression it should equal (passed through).
        :param where: optional SQL condition limiting the rows checked.

        Example::

            op.validate_backfill("users", column="email_lower", expected="lower(email)")
        """
        operations.invoke(cls(table_name, column, expected, where, schema, sample))


@Operations.implementation_for(ValidateBackfillOp)
def _validate_backfill(operations: Operations, operation: ValidateBackfillOp) -> None:
    from ..backfill import BackfillSpec
    from ._pattern import Ctx

    spec = BackfillSpec(
        operation.table_name,
        {operation.column: operation.expected},
        operation.where,
        operation.schema,
    )
    Ctx(operations).verify(spec)
