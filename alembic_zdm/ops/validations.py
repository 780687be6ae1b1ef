"""Checks that stop a phase: ``validate_column_exists``, ``validate_column_not_exists``,
``validate_data_integrity``.

Each check is one statement that raises in the database when it fails (PostgreSQL: a
``DO`` block with ``RAISE EXCEPTION``), so it behaves the same online and in an
offline script run with ``psql -v ON_ERROR_STOP=1``. Online, the error reaches the
user as :class:`~alembic_zdm.errors.SchemaObjectError` (schema checks) or
:class:`~alembic_zdm.errors.DataIntegrityError` (data checks).
"""

from __future__ import annotations

from typing import Any

from alembic.operations import MigrateOperation, Operations

from ..dialects import PlanContext, plans
from ..sql import postgresql as pg
from ..sql.statement import Statement, TimeoutClass
from ._run import run_operation


@Operations.register_operation("validate_column_exists")
class ValidateColumnExistsOp(MigrateOperation):
    """Stop unless a column exists (data only)."""

    expected = True

    def __init__(
        self, table_name: str, column_name: str, *, schema: str | None = None, message: str = ""
    ) -> None:
        self.table_name = table_name
        self.column_name = column_name
        self.schema = schema
        self.message = message

    @classmethod
    def validate_column_exists(
        cls,
        operations: Operations,
        table_name: str,
        column_name: str,
        *,
        schema: str | None = None,
        message: str = "",
    ) -> None:
        """Stop the phase unless *table_name* has *column_name*.

        :param table_name: the table.
        :param column_name: the column that must exist.
        :param schema: schema of the table.
        :param message: what to tell the operator (default: a sentence naming the column).

        Example::

            def contract():
                op.validate_column_exists("users", "email_address")
                op.safe_drop_column("users", "email")

        PostgreSQL: a ``DO`` block raising SQLSTATE ``ZDM01`` when the column is missing.
        """
        operations.invoke(cls(table_name, column_name, schema=schema, message=message))


@Operations.register_operation("validate_column_not_exists")
class ValidateColumnNotExistsOp(ValidateColumnExistsOp):
    """Stop if a column exists (data only)."""

    expected = False

    @classmethod
    def validate_column_not_exists(
        cls,
        operations: Operations,
        table_name: str,
        column_name: str,
        *,
        schema: str | None = None,
        message: str = "",
    ) -> None:
        """Stop the phase if *table_name* still has *column_name*.

        :param table_name: the table.
        :param column_name: the column that must be gone.
        :param schema: schema of the table.
        :param message: what to tell the operator (default: a sentence naming the column).

        Example::

            def undo_contract():
                op.validate_column_not_exists("users", "email")

        PostgreSQL: a ``DO`` block raising SQLSTATE ``ZDM01`` when the column exists.
        """
        operations.invoke(cls(table_name, column_name, schema=schema, message=message))


@Operations.register_operation("validate_data_integrity")
class ValidateDataIntegrityOp(MigrateOperation):
    """Stop when a query finds offending rows (data only)."""

    def __init__(self, sql: str, message: str, *, overrides: dict[str, Any] | None = None) -> None:
        self.sql = sql
        self.message = message
        self.overrides = dict(overrides or {})

    @classmethod
    def validate_data_integrity(
        cls, operations: Operations, sql: str, message: str, **kw: Any
    ) -> None:
        """Stop the phase when *sql* returns any row.

        Write *sql* as a query for the **offending** rows (an empty result means the
        data is consistent), e.g. the rows a backfill missed.

        :param sql: a ``SELECT`` returning the rows that break the rule.
        :param message: one sentence for the operator; the row count is appended.
        :param kw: overrides of the settings (``concurrent_statement_timeout_ms=…``
            bounds the query).

        Example::

            def migrate():
                op.backfill("users", set={"email_address": "email"})
                op.validate_data_integrity(
                    "SELECT id FROM users WHERE email_address IS DISTINCT FROM email",
                    "Some users were not backfilled; run the migrate phase again",
                )

        PostgreSQL: a ``DO`` block that counts the rows and raises SQLSTATE ``ZDM02``
        with *message* and the count; the query runs without a lock timeout and
        under the statement timeout of long statements.
        """
        operations.invoke(cls(sql, message, overrides=kw))


@Operations.implementation_for(ValidateColumnExistsOp)
@Operations.implementation_for(ValidateColumnNotExistsOp)
def validate_column(operations: Operations, operation: ValidateColumnExistsOp) -> None:
    """Run a column check."""
    run_operation(operations, operation, overrides={})


@Operations.implementation_for(ValidateDataIntegrityOp)
def validate_data_integrity(operations: Operations, operation: ValidateDataIntegrityOp) -> None:
    """Run a data check."""
    run_operation(operations, operation, overrides=operation.overrides)


@plans(ValidateColumnExistsOp, "postgresql")
def plan_postgresql_column(op: ValidateColumnExistsOp, ctx: PlanContext) -> list[Statement]:
    """PostgreSQL: a ``DO`` block raising ``ZDM01``."""
    q = ctx.quoter
    where = f"{op.schema}.{op.table_name}" if op.schema else op.table_name
    exists = pg.column_exists_condition(q, op.table_name, op.column_name, op.schema)
    if op.expected:
        condition = f"NOT {exists}"
        default = (
            f"Column {op.column_name!r} of table {where!r} does not exist, so this phase stops"
        )
    else:
        condition = exists
        default = f"Column {op.column_name!r} of table {where!r} still exists, so this phase stops"
    message = op.message or default + "; check that the earlier phases ran."
    return [
        Statement(
            pg.raise_if(q, condition, message, pg.SCHEMA_ERRCODE),
            timeout_class=TimeoutClass.NONE,
            table=op.table_name,
            schema=op.schema,
            description=f"Check that {where}.{op.column_name} "
            + ("exists" if op.expected else "does not exist"),
        )
    ]


@plans(ValidateDataIntegrityOp, "postgresql")
def plan_postgresql_data(op: ValidateDataIntegrityOp, ctx: PlanContext) -> list[Statement]:
    """PostgreSQL: a ``DO`` block counting the offending rows, raising ``ZDM02``."""
    query = op.sql.strip().rstrip(";")
    return [
        Statement(
            pg.raise_if_rows(ctx.quoter, query, op.message, pg.DATA_ERRCODE),
            timeout_class=TimeoutClass.CONCURRENT,
            description="Data integrity check",
        )
    ]
