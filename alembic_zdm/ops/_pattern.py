"""Shared steps of the pattern ops: schema checks, column DDL plans, backfill, dual-write.

Column DDL is compiled from Alembic's own DDL elements (``alembic.ddl.base``), so
names are quoted and types rendered by the dialect exactly as ``op.add_column``
would. Every table-locking statement is annotated for the executor (short lock
timeout, retries); ``VALIDATE CONSTRAINT`` gets the long "concurrent" class.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ..backfill import (
    BackfillOptions,
    BackfillSpec,
    reset_checkpoint,
    run_backfill,
    verify_backfill,
)
from ..backfill.dialects import offline_script
from ..backfill.sql import mismatches, render
from ..config import ZdmSettings, settings_for_context
from ..dual_write import DualWriteSpec, disable_plan, enable_plan
from ..errors import SchemaObjectError
from ..phases.context import current_phase_run
from ..sql.statement import Statement


def _omitted_key(table: str, column: str) -> str:
    return f"keep:omittable:{table}.{column}"


class Ctx:
    """What a pattern op needs from the running migration."""

    def __init__(self, operations: Any, **overrides: Any) -> None:
        self.operations = operations
        self.mc = operations.get_context()
        from ..sql.quoting import rendering_dialect

        self.dialect = rendering_dialect(self.mc.dialect)
        base: ZdmSettings = settings_for_context(self.mc)
        self.settings = base.with_overrides(**overrides)
        self.offline = bool(self.mc.as_sql)

    @property
    def connection(self) -> Any:
        return self.mc.connection

    def run(self, plan: list[Statement]) -> None:
        """Execute *plan* (or write it out offline)."""
        from ..execution.executor import execute_plan

        if plan:
            plan = self.ddl_impl.prepare(list(plan))
        execute_plan(self.operations, plan, settings=self.settings)

    def compile(self, element: Any) -> str:
        return str(element.compile(dialect=self.dialect))

    # ---- schema checks (online only: offline there is no catalog to read)

    @property
    def catalog(self) -> Any | None:
        """Where to read the catalog: the connection online; offline, the one ``plan``
        lends (:func:`~alembic_zdm.phases.context.offline_catalog`), else ``None``."""
        if not self.offline:
            return self.connection
        from ..phases.context import offline_catalog

        return offline_catalog()

    def columns(self, table: str, schema: str | None) -> dict[str, dict[str, Any]] | None:
        """The table's columns by name, ``None`` with no catalog; an unknown table is an error."""
        catalog = self.catalog
        if catalog is None:
            return None
        from ..sql.reflect import inspector as inspect

        insp = inspect(catalog)
        if not insp.has_table(table, schema=schema):
            if self.offline or _resuming():  # planning ahead, or dropped by a killed run
                return None
            raise SchemaObjectError(
                f"Table {table!r} does not exist; check the table name in the migration."
            )
        return {c["name"]: c for c in insp.get_columns(table, schema=schema)}

    def column(self, table: str, name: str, schema: str | None) -> dict[str, Any] | None:
        """The column's catalog entry (``None`` offline); an unknown column is an error."""
        cols = self.columns(table, schema)
        if cols is None or (self.offline and name not in cols):
            return None  # no catalog, or planning ahead of an earlier pending phase
        if name not in cols and _resuming():
            return None  # dropped or renamed by this step's earlier, killed run
        if name not in cols:
            raise SchemaObjectError(
                f"Column {name!r} does not exist on table {table!r}; existing columns: "
                f"{', '.join(sorted(cols))}."
            )
        return cols[name]

    def absent(self, table: str, name: str, schema: str | None, why: str) -> None:
        """Raise when *name* already exists on *table* (*why*: what the op wanted to do)."""
        cols = self.columns(table, schema)
        if cols is not None and name in cols and not _resuming():
            raise SchemaObjectError(
                f"Cannot {why}: column {name!r} already exists on table {table!r}; pick another "
                f"name or drop that column first."
            )

    def not_in_primary_key(self, table: str, column: str, schema: str | None, what: str) -> None:
        """Refuse to *what* a primary-key column (not supported by these patterns yet)."""
        if self.catalog is None:
            return
        from ..sql.reflect import inspector as inspect

        insp = inspect(self.catalog)
        if self.offline and not insp.has_table(table, schema=schema):
            return  # planning ahead: an earlier pending phase creates the table
        pk = insp.get_pk_constraint(table, schema=schema)
        if column in (pk.get("constrained_columns") or []):
            raise SchemaObjectError(
                f"Cannot {what} {table}.{column}: it is part of the primary key, which this "
                f"pattern does not handle yet; use a dedicated primary-key migration."
            )

    def type_of(
        self, table: str, column: str, schema: str | None, given: Any, op: str, *also: str
    ) -> Any:
        """The column's type: *given* (``existing_type=``), the catalog, or the models.

        Offline without a catalog the type comes from the ``target_metadata`` env.py
        passed to ``context.configure``, then from the ``models`` setting; a column
        renamed there may be found under one of the names in *also*.
        """
        if given is not None:
            return given
        info = self.column(table, column, schema)
        if info is not None:
            return info["type"]
        from ._model_types import model_type

        found = model_type(self.mc, self.settings, table, (column, *also), schema)
        if found is None:
            raise SchemaObjectError(
                f"{op} on {table}.{column} cannot render offline SQL: no database to read "
                f"the column type from and no {table}.{column} in target_metadata or the "
                f"models setting; pass existing_type=… (e.g. existing_type=sa.Text()) to {op}."
            )
        return found

    # ---- column DDL (per dialect: see :mod:`alembic_zdm.ops._ddl`)

    @property
    def ddl_impl(self) -> Any:
        """The dialect's :class:`~alembic_zdm.ops._ddl.ColumnDdl`."""
        impl = self.__dict__.get("_ddl_impl")
        if impl is None:
            from ._ddl import column_ddl

            impl = self.__dict__["_ddl_impl"] = column_ddl(self)
        return impl

    def ddl(
        self, element: Any, table: str, description: str, schema: str | None = None
    ) -> Statement:
        """An ACCESS EXCLUSIVE, short-lock-timeout statement from an Alembic DDL element."""
        return self.ddl_impl.ddl(element, table, description, schema)  # type: ignore[no-any-return]

    def add_column(self, table: str, column: Any, schema: str | None) -> Statement:
        return self.ddl_impl.add_column(table, column, schema)  # type: ignore[no-any-return]

    def add_columns(self, table: str, columns: list[Any], schema: str | None) -> list[Statement]:
        """``ADD COLUMN`` of each of *columns*, with their comments."""
        plan = [self.add_column(table, c, schema) for c in columns]
        for c in columns:
            plan += self.ddl_impl.comment(table, c.name, c.comment, schema)
        return plan

    def drop_column(self, table: str, name: str, schema: str | None) -> Statement:
        return self.ddl_impl.drop_column(table, name, schema)  # type: ignore[no-any-return]

    def rename(self, table: str, old: str, new: str, schema: str | None) -> Statement:
        return self.ddl_impl.rename(table, old, new, schema)  # type: ignore[no-any-return]

    def set_default(
        self, table: str, column: str, default: str | None, schema: str | None
    ) -> Statement:
        return self.ddl_impl.set_default(table, column, default, schema)  # type: ignore[no-any-return]

    def relax_for_new_code(self, table: str, columns: list[str], schema: str | None) -> None:
        """Let new code's INSERTs leave out *columns* (the dual-write trigger fills them).

        Nothing on PostgreSQL; see :meth:`~alembic_zdm.ops._ddl.ColumnDdl.omittable`.
        What was relaxed is kept in the state row, so :meth:`restore_for_old_code`
        puts back exactly that.
        """
        for column in columns:
            info = self.column(table, column, schema)
            relax = self.ddl_impl.omittable(table, column, info, schema)
            if relax:
                kept = (
                    {"nullable": info["nullable"], "default": info.get("default")} if info else {}
                )
                # remembered first (the mark commits with the DDL, MySQL commits it), and
                # only once: a re-run after a kill reads the column already relaxed
                if self.recall(_omitted_key(table, column)) is None:
                    self.remember(_omitted_key(table, column), kept or True)
                self.run(relax)

    def restore_for_old_code(self, table: str, columns: list[str], schema: str | None) -> None:
        """Undo :meth:`relax_for_new_code` (the undo of the expand phase)."""
        for column in columns:
            if self.recall(_omitted_key(table, column)):
                info = self.original(table, column, schema)
                self.run(self.ddl_impl.unomittable(table, column, info, schema))

    def original(self, table: str, column: str, schema: str | None) -> dict[str, Any] | None:
        """*column*'s catalog entry as it was before :meth:`relax_for_new_code` changed it.

        The relaxation (an implicit default, NOT NULL dropped) is for the migration
        only: contract copies *this* definition, so none of it is left behind.
        """
        info = self.column(table, column, schema)
        kept = self.recall(_omitted_key(table, column))
        if info is None or not isinstance(kept, dict):
            return info
        return {**info, **kept}

    def remember(self, key: str, value: Any) -> None:
        """Keep a fact for this phase's undo (``keep:`` keys outlive the phase; online only)."""
        run = current_phase_run()
        if run is not None and run.checkpoints is not None and not self.offline:
            run.checkpoints.save(self.connection, key, value)

    def first_seen(self, key: str, read: Any, encode: Any = None, decode: Any = None) -> Any:
        """What *read()* returned on this step's first attempt (kept in its checkpoint).

        A catalog fact a step's plan depends on — the indexes of a column it drops —
        changes once part of the step committed; a re-run after a kill must plan from
        what the first attempt saw.
        """
        run = current_phase_run()
        store = run.checkpoints if run is not None and not self.offline else None
        if store is not None:
            saved = store.load(self.connection, key)
            if saved is not None:
                return decode(saved) if decode else saved
        value = read()
        if store is not None:
            store.save(self.connection, key, encode(value) if encode else value)
        return value

    def recall(self, key: str) -> Any:
        """A fact kept by :meth:`remember` in the phase being undone (``None`` if none)."""
        run = current_phase_run()
        if run is None or run.checkpoints is None or self.offline:
            return None
        return run.checkpoints.load(self.connection, key)

    def nullable(
        self,
        table: str,
        column: str,
        nullable: bool,
        schema: str | None,
        info: dict[str, Any] | None = None,
    ) -> Statement:
        """*info*: the column's definition when the same plan renames it into place."""
        return self.ddl_impl.nullable(table, column, nullable, schema, info)  # type: ignore[no-any-return]

    def not_null_safe(
        self, table: str, column: str, schema: str | None, default: str | None = None
    ) -> list[Statement]:
        """CHECK (col IS NOT NULL) NOT VALID → VALIDATE → SET NOT NULL → drop the CHECK.

        *default*: the server default the column will have by then (MySQL rewrites the
        whole column definition, so a default set earlier in the same plan must be known).
        """
        from ._not_null import not_null_plan

        return not_null_plan(self, table, column, schema, default)

    # ---- data

    def checkpoints(self) -> Any:
        run = current_phase_run()
        return run.checkpoints if run is not None else None

    def backfill(
        self, spec: BackfillSpec, batch_size: int | None = None, key: tuple[str, ...] | None = None
    ) -> None:
        """Run (or render) the batched backfill of *spec* outside the migration transaction."""
        options = BackfillOptions.from_settings(self.settings, batch_size)
        if not self.offline and self.mc._transaction is None and self.connection.in_transaction():
            # No Alembic transaction (MySQL, SQLite: non-transactional DDL) but an
            # auto-begun one: autocommit_block() would assert; commit it as Alembic would.
            self.connection.commit()
        with self.mc.autocommit_block():
            if self.offline:
                self.mc.impl.static_output(
                    offline_script(
                        spec, spec.key or key or ("id",), options.batch_size, self.dialect
                    )
                    + ";"
                )
                return
            from ..health import gate_for

            gate = gate_for(self.settings, self.connection)
            try:
                run_backfill(self.connection, spec, options, self.checkpoints(), gate=gate)
            finally:
                if gate is not None:
                    gate.close()

    def forget_backfill(self, spec: BackfillSpec) -> None:
        """Undo of a backfill: nothing to revert in the data, but forget its checkpoint."""
        store = self.checkpoints()
        if store is not None and not self.offline:
            reset_checkpoint(self.connection, spec, store)

    def verify(self, spec: BackfillSpec, key: tuple[str, ...] | None = None) -> None:
        """Check *spec*'s columns hold their expressions everywhere (offline: a check statement)."""
        if not self.offline:
            verify_backfill(self.connection, spec)
            return
        from ..dialects import dialect_support

        count, _ = mismatches(spec, spec.key or key or ("id",), 1)
        query = render(count.with_only_columns(_one()), self.dialect, literal=True)
        message = f"backfill of {spec.table} ({', '.join(spec.columns)}) is incomplete"
        self.run([dialect_support(self.dialect).backfill_check(query, message)])

    def dual_write(self, spec: DualWriteSpec, on: bool) -> None:
        """Install (*on*) or remove the dual-write trigger of *spec*."""
        self.run(enable_plan(spec, self.dialect) if on else disable_plan(spec, self.dialect))


def _resuming() -> bool:
    """True when the running step continues (or undoes) an earlier run that did not finish:
    objects it made or removed then are no error now."""
    from ..phases.progress import current_progress

    progress = current_progress()
    return progress is not None and (progress.resuming or progress.lenient)


def _one() -> Any:
    from sqlalchemy import literal_column

    return literal_column("1")


def copy_spec(
    table: str, target: str, source_expr: str, schema: str | None, where: str | None = None
) -> BackfillSpec:
    """``target = (source_expr)`` as a backfill."""
    return BackfillSpec(table, {target: source_expr}, where=where, schema=schema)


def quoted(ctx: Ctx, name: str) -> str:
    """*name* quoted for use inside a user-style expression (``"order"``)."""
    return str(ctx.dialect.identifier_preparer.quote(name))


def expressions(mapping: Mapping[str, str]) -> dict[str, str]:
    """A plain dict copy (op arguments stay immutable)."""
    return dict(mapping)


def models_check(ctx: Ctx, table: str, column: str | None, schema: str | None, action: str) -> None:
    """DESIGN §9: refuse to drop what the configured models still map."""
    from ..models_check import check_models

    check_models(ctx.settings, table, column, schema, action)


def literal_expr(sql: str) -> Any:
    """A user or generated SQL expression as a Core element (passed through as is)."""
    from sqlalchemy import literal_column

    return literal_column(sql)
