"""MySQL / MariaDB plans of the single-phase and constraint operations.

Imported by :func:`alembic_zdm.ops.dialect_plans.load` (so only when a MySQL or
MariaDB database is used). Each statement carries a ``done_check``: MySQL commits every DDL
statement, so a phase that stopped half-way is completed by running it again.
"""

from __future__ import annotations

from typing import Any, cast

from ... import naming
from ...dialects import PlanContext, plans
from ...dialects.base import guard, orphans_query
from ...errors import UnsupportedDialectError
from ...phases.model import Phase
from ...sql import mysql as my
from ...sql.statement import LockLevel, Statement, TimeoutClass
from ..constraints import (
    AddCheckConstraintSafeOp,
    AddForeignKeySafeOp,
    AddUniqueConstraintSafeOp,
)
from ..indexes import AddIndexConcurrentlyOp, DropIndexConcurrentlyOp
from ..not_null import SetNotNullSafeOp
from ..validations import ValidateColumnExistsOp, ValidateDataIntegrityOp

NAMES = ("mysql", "mariadb")


def alter_statement(
    ctx: PlanContext,
    table: str,
    schema: str | None,
    actions: list[str],
    algorithm: my.Algorithm,
    description: str,
    *,
    done: str | None = None,
    done_params: dict[str, object] | None = None,
    **kw: Any,
) -> Statement:
    """One explicit-algorithm ``ALTER TABLE`` with the short lock timeout and retries."""
    from ...dialects.mysql import MySQLSupport

    support = cast(MySQLSupport, ctx.support)
    wait = support.wait_ms(ctx.settings.lock_timeout_ms)
    sql = my.alter(ctx.quoter, table, actions, algorithm, schema=schema, wait_ms=wait)
    online = algorithm is my.Algorithm.INPLACE
    kw.setdefault(
        "lock", LockLevel.SHARE_UPDATE_EXCLUSIVE if online else LockLevel.ACCESS_EXCLUSIVE
    )
    kw.setdefault("timeout_class", TimeoutClass.ONLINE if online else TimeoutClass.DDL)
    return Statement(
        sql,
        table=table,
        schema=schema,
        description=description,
        done_check=done,
        done_params=dict(done_params or {}),
        **kw,
    )


def _where(schema: str | None, table: str, **extra: object) -> dict[str, object]:
    return {"schema": schema, "table": table, **extra}


# ---------------------------------------------------------------- indexes


@plans(AddIndexConcurrentlyOp, *NAMES)
def plan_add_index(op: AddIndexConcurrentlyOp, ctx: PlanContext) -> list[Statement]:
    """``ALTER TABLE … ADD [UNIQUE] INDEX …, ALGORITHM=INPLACE, LOCK=NONE``."""
    flavour = "MariaDB" if ctx.support.name == "mariadb" else "MySQL"
    for value, what in ((op.where, "partial indexes (where=…)"), (op.using, "postgresql_using"),
                        (op.include, "INCLUDE columns")):  # fmt: skip
        if value:
            raise UnsupportedDialectError(
                f"Index {op.index_name!r}: {flavour} has no {what}; drop that argument "
                "or create the index on PostgreSQL only."
            )
    kind = "unique index" if op.unique else "index"
    add = my.add_index(ctx.quoter, op.index_name, op.columns, unique=op.unique)
    return [
        alter_statement(
            ctx,
            op.table_name,
            op.schema,
            [add],
            my.Algorithm.INPLACE,
            f"Build {kind} {op.index_name!r} on {op.table_name!r} online",
            done=my.INDEX_EXISTS,
            done_params=_where(op.schema, op.table_name, name=op.index_name),
            scans=True,
        )  # fmt: skip
    ]


@plans(DropIndexConcurrentlyOp, *NAMES)
def plan_drop_index(op: DropIndexConcurrentlyOp, ctx: PlanContext) -> list[Statement]:
    """``ALTER TABLE … DROP INDEX …, ALGORITHM=INPLACE, LOCK=NONE`` (needs the table)."""
    if op.table_name is None:
        raise UnsupportedDialectError(
            f"drop_index_concurrently({op.index_name!r}) needs table_name=… on MySQL and "
            "MariaDB, where index names belong to a table."
        )
    return [drop_index_statement(ctx, op.table_name, op.index_name, op.schema)]


def drop_index_statement(ctx: PlanContext, table: str, index: str, schema: str | None) -> Statement:
    """Drop *index* of *table* online; skipped when it is already gone."""
    return alter_statement(
        ctx, table, schema, [my.drop_index(ctx.quoter, index)], my.Algorithm.INPLACE,
        f"Drop index {index!r} of {table!r} online",
        done=my.INDEX_ABSENT, done_params=_where(schema, table, name=index),
    )  # fmt: skip


# ---------------------------------------------------------------- constraints


def _orphan_guard(op: AddForeignKeySafeOp, ctx: PlanContext, when: str) -> Statement:
    return guard(
        ctx.quoter,
        orphans_query(ctx.quoter, op),
        f"Foreign key {op.constraint_name!r} {when}: rows of {op.source_table!r} reference "
        f"missing rows of {op.referent_table!r}; fix or delete them and run the phase again",
        kind="data",
    )


@plans(AddForeignKeySafeOp, *NAMES)
def plan_foreign_key(op: AddForeignKeySafeOp, ctx: PlanContext) -> list[Statement]:
    """Expand: verify, then ``ADD CONSTRAINT … FOREIGN KEY`` INPLACE with
    ``foreign_key_checks=0`` (no scan, no write lock); migrate: verify again (rows
    written between the first check and the key); undo expand: ``DROP FOREIGN KEY``."""
    if op.deferrable or op.initially or op.match:
        raise UnsupportedDialectError(
            f"Foreign key {op.constraint_name!r}: MySQL and MariaDB have no deferrable or "
            "MATCH foreign keys; drop deferrable=/initially=/match=."
        )
    q, where = ctx.quoter, _where(op.schema, op.table_name, name=op.constraint_name)
    if ctx.phase is Phase.EXPAND and ctx.undo:
        return _undo_foreign_key(op, ctx, where)
    if ctx.phase is Phase.EXPAND:
        add = my.add_foreign_key(
            q, op.constraint_name, op.local_cols, op.referent_table, op.remote_cols,
            referent_schema=op.referent_schema, ondelete=op.ondelete, onupdate=op.onupdate,
        )  # fmt: skip
        statement = alter_statement(
            ctx, op.table_name, op.schema, [add], my.Algorithm.INPLACE,
            f"Add foreign key {op.constraint_name!r} to {op.table_name!r} (existing rows "
            "checked by the query before it)",
            done=my.CONSTRAINT_EXISTS, done_params=where, session=(("foreign_key_checks", "0"),),
        )  # fmt: skip
        return [_orphan_guard(op, ctx, "cannot be added"), statement]
    if ctx.phase is Phase.MIGRATE and not ctx.undo:
        return [_orphan_guard(op, ctx, "is not valid")]
    return []


def _undo_foreign_key(
    op: AddForeignKeySafeOp, ctx: PlanContext, where: dict[str, object]
) -> list[Statement]:
    """``DROP FOREIGN KEY``, then the index the server made for the key (named after it)
    when it made one: MariaDB says ``IF EXISTS``; MySQL has no such clause, so there it
    is dropped online only (its done check skips it when absent)."""
    q = ctx.quoter
    plan = [
        alter_statement(
            ctx,
            op.table_name,
            op.schema,
            [my.drop_foreign_key(q, op.constraint_name)],
            my.Algorithm.INPLACE,
            f"Drop foreign key {op.constraint_name!r} of {op.table_name!r}",
            done=my.CONSTRAINT_ABSENT,
            done_params=where,
        )  # fmt: skip
    ]
    mariadb = ctx.support.name == "mariadb"
    if not mariadb and ctx.support.server_version is None:
        return plan
    drop_index = my.drop_index(q, op.constraint_name)
    if mariadb:
        drop_index = drop_index.replace("DROP INDEX ", "DROP INDEX IF EXISTS ", 1)
    plan.append(
        alter_statement(
            ctx,
            op.table_name,
            op.schema,
            [drop_index],
            my.Algorithm.INPLACE,
            f"Drop the index {op.constraint_name!r} made for the foreign key",
            done=my.INDEX_ABSENT,
            done_params=where,
        )  # fmt: skip
    )
    return plan


def _check_trigger(op: AddCheckConstraintSafeOp, ctx: PlanContext, event: str) -> Statement:
    q = ctx.quoter
    name = naming.check_trigger(op.table_name, op.constraint_name, event[:3].lower(), "mysql")
    columns = op.table_columns
    if not columns:
        raise UnsupportedDialectError(
            f"add_check_constraint_safe({op.constraint_name!r}) on MySQL/MariaDB needs the "
            "columns of the table to render offline SQL; pass table_columns=[…] or run online."
        )
    row = my.new_row(q, columns)
    errno = 4025 if ctx.support.name == "mariadb" else 3819
    message = q.literal(f"Check constraint '{op.constraint_name}' is violated.")
    # Names went through the quoter; the condition is the user's SQL by design.
    sql = (
        f"CREATE TRIGGER {q.table(name, op.schema)} BEFORE {event} ON "  # noqa: S608
        f"{q.table(op.table_name, op.schema)} FOR EACH ROW "
        f"IF EXISTS ({row} SELECT 1 FROM zdm_row WHERE NOT ({q.expression(op.condition)})) "
        f"THEN SIGNAL SQLSTATE '23000' SET MESSAGE_TEXT = {message}, MYSQL_ERRNO = {errno}; END IF"
    )
    return Statement(
        sql, lock=LockLevel.ACCESS_EXCLUSIVE, timeout_class=TimeoutClass.DDL,
        table=op.table_name, schema=op.schema,
        description=f"Enforce check {op.constraint_name!r} on {event} into {op.table_name!r}",
        done_check=my.TRIGGER_EXISTS, done_params={"schema": op.schema, "name": name},
    )  # fmt: skip


@plans(AddCheckConstraintSafeOp, *NAMES)
def plan_check(op: AddCheckConstraintSafeOp, ctx: PlanContext) -> list[Statement]:
    """Adding a CHECK copies the table on MySQL/MariaDB (ZDM108), so it is enforced by
    ``BEFORE INSERT``/``BEFORE UPDATE`` triggers instead (new rows, as ``NOT VALID``
    would); migrate verifies the existing rows with a query."""
    q = ctx.quoter
    if ctx.phase is Phase.EXPAND and ctx.undo:
        out = []
        for event in ("ins", "upd"):
            name = naming.check_trigger(op.table_name, op.constraint_name, event, "mysql")
            out.append(
                Statement(
                    f"DROP TRIGGER IF EXISTS {q.table(name, op.schema)}",
                    lock=LockLevel.ACCESS_EXCLUSIVE,
                    table=op.table_name,
                    schema=op.schema,
                    description=f"Drop the trigger enforcing {op.constraint_name!r}",
                )  # fmt: skip
            )
        return out
    if ctx.phase is Phase.EXPAND:
        return [_check_trigger(op, ctx, "INSERT"), _check_trigger(op, ctx, "UPDATE")]
    if ctx.phase is Phase.MIGRATE and not ctx.undo:
        table = q.table(op.table_name, op.schema)
        # The table name went through the quoter; the condition is the user's SQL.
        query = f"SELECT 1 FROM {table} WHERE NOT ({q.expression(op.condition)})"  # noqa: S608
        message = (
            f"Check {op.constraint_name!r} is not valid: rows of {op.table_name!r} break it; "
            "fix them and run the phase again"
        )
        return [guard(q, query, message, kind="data")]
    return []


@plans(AddUniqueConstraintSafeOp, *NAMES)
def plan_unique(op: AddUniqueConstraintSafeOp, ctx: PlanContext) -> list[Statement]:
    """A MySQL unique index *is* the constraint: built INPLACE, LOCK=NONE in expand."""
    if ctx.phase is Phase.EXPAND and ctx.undo:
        return [drop_index_statement(ctx, op.table_name, op.constraint_name, op.schema)]
    if ctx.phase is Phase.EXPAND:
        add = my.add_index(ctx.quoter, op.constraint_name, op.columns, unique=True)
        return [
            alter_statement(
                ctx,
                op.table_name,
                op.schema,
                [add],
                my.Algorithm.INPLACE,
                f"Build unique index {op.constraint_name!r} on {op.table_name!r} online",
                done=my.INDEX_EXISTS,
                done_params=_where(op.schema, op.table_name, name=op.constraint_name),
                scans=True,
            )  # fmt: skip
        ]
    return []


# ---------------------------------------------------------------- NOT NULL


def not_null_column_spec(op: SetNotNullSafeOp, ctx: PlanContext, nullable: bool) -> str:
    """The full column definition for ``MODIFY`` (MySQL has no ``SET NOT NULL``)."""
    from sqlalchemy import Column, text

    if op.existing_type is None:
        raise UnsupportedDialectError(
            f"set_not_null_safe({op.table_name!r}, {op.column_name!r}) on MySQL/MariaDB "
            "rewrites the column definition (MODIFY), so offline SQL needs existing_type=… "
            "(and existing_server_default=… if it has one)."
        )
    default = op.existing_server_default
    column = Column(
        op.column_name, op.existing_type, nullable=nullable,
        server_default=text(default) if isinstance(default, str) else default,
        comment=op.existing_comment,
    )  # fmt: skip
    return my.column_spec(ctx.support.dialect, column)


@plans(SetNotNullSafeOp, *NAMES)
def plan_not_null(op: SetNotNullSafeOp, ctx: PlanContext) -> list[Statement]:
    """Contract: refuse without strict mode (ZDM132) or with NULLs left, then
    ``MODIFY … NOT NULL, ALGORITHM=INPLACE, LOCK=NONE``; undo: ``MODIFY … NULL``."""
    if ctx.phase is not Phase.CONTRACT:
        return []
    q = ctx.quoter
    where = _where(op.schema, op.table_name, column=op.column_name)
    if ctx.undo:
        spec = not_null_column_spec(op, ctx, nullable=True)
        return [
            alter_statement(
                ctx,
                op.table_name,
                op.schema,
                [my.modify_column(spec)],
                my.Algorithm.INPLACE,
                f"Drop NOT NULL on {op.table_name}.{op.column_name}",
                done=my.COLUMN_NULLABLE,
                done_params=where,
            )  # fmt: skip
        ]
    spec = not_null_column_spec(op, ctx, nullable=False)
    table = q.table(op.table_name, op.schema)
    # Names went through the quoter.
    nulls = f"SELECT 1 FROM {table} WHERE {q.name(op.column_name)} IS NULL"  # noqa: S608
    strict = guard(
        q, my.NOT_STRICT,
        f"{op.table_name}.{op.column_name} cannot be made NOT NULL safely: the session is not "
        "in strict mode, so MySQL would turn NULLs into zero values instead of failing; add "
        "STRICT_TRANS_TABLES to sql_mode (ZDM132)",
        kind="schema",
    )  # fmt: skip
    no_nulls = guard(
        q, nulls, f"{op.table_name}.{op.column_name} still holds NULLs; backfill them first",
        kind="data",
    )  # fmt: skip
    modify = alter_statement(
        ctx, op.table_name, op.schema, [my.modify_column(spec)], my.Algorithm.INPLACE,
        f"Set NOT NULL on {op.table_name}.{op.column_name} (online rebuild)",
        done=my.COLUMN_NOT_NULL, done_params=where, scans=True,
    )  # fmt: skip
    return [strict, no_nulls, modify]


# ---------------------------------------------------------------- validations


@plans(ValidateColumnExistsOp, *NAMES)
def plan_column_check(op: ValidateColumnExistsOp, ctx: PlanContext) -> list[Statement]:
    """A guard on ``information_schema.columns``."""
    where = f"{op.schema}.{op.table_name}" if op.schema else op.table_name
    state = "does not exist" if op.expected else "still exists"
    message = op.message or (
        f"Column {op.column_name!r} of table {where!r} {state}, so this phase stops; "
        "check that the earlier phases ran"
    )
    query = my.COLUMN_ABSENT if op.expected else my.COLUMN_EXISTS
    params = _where(op.schema, op.table_name, column=op.column_name)
    return [guard(ctx.quoter, query, message, kind="schema", params=params)]


@plans(ValidateDataIntegrityOp, *NAMES)
def plan_data_check(op: ValidateDataIntegrityOp, ctx: PlanContext) -> list[Statement]:
    """A guard counting the offending rows (no anonymous code blocks on these databases)."""
    return [ctx.support.data_check(op.sql.strip().rstrip(";"), op.message)]
