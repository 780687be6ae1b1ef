"""Where each database keeps archives, and how a table moves there and back.

* PostgreSQL: a schema (``zdm_archive``); ``ALTER TABLE … RENAME`` to the archive name,
  then ``SET SCHEMA`` — catalog-only, instant, rows, indexes, constraints and owned
  sequences move along. An index or sequence whose name is taken in the archive
  schema gets a generated name first (kept in the catalog, given back on restore).
* MySQL/MariaDB: a database (``<database>_zdm_archive``); ``RENAME TABLE`` across
  databases (metadata only); foreign keys kept and re-added (:mod:`.mysql_keys`).
* SQLite: the same file; ``ALTER TABLE … RENAME TO`` the archive name.

Dispatched on ``dialect.name`` through :data:`_PLACES` (STYLE habit 2).
"""

from __future__ import annotations

from typing import Any

from .. import naming
from ..sql.quoting import Quoter
from ..sql.statement import LockLevel, Statement, TimeoutClass


def _ddl(sql: str, table: str, schema: str | None, description: str) -> Statement:
    return Statement(
        sql, lock=LockLevel.ACCESS_EXCLUSIVE, timeout_class=TimeoutClass.DDL, table=table,
        schema=schema, description=description,
    )  # fmt: skip


class Place:
    """The PostgreSQL form; other databases subclass it."""

    default_container: str | None = "zdm_archive"

    def __init__(self, dialect: Any) -> None:
        self.dialect = dialect
        self.q = Quoter(dialect)

    def container(self, settings: Any, connection: Any | None) -> str | None:
        """The archive schema (database) for the connected database."""
        return settings.archive_schema or self.default_container

    def ensure(self, container: str | None) -> list[Statement]:
        """Create the archive schema if it is missing."""
        return [Statement(f"CREATE SCHEMA IF NOT EXISTS {self.q.schema(container or '')}",
                          description=f"archive schema {container}")]  # fmt: skip

    def collisions(
        self, connection: Any, table: str, schema: str | None, container: str | None, stamp: str
    ) -> dict[str, str]:
        """Indexes and sequences of *table* whose names are taken in *container*: name → new."""
        from sqlalchemy import text

        rows = connection.execute(
            text(
                "SELECT c.relname FROM pg_class c WHERE c.relnamespace = "
                "(SELECT relnamespace FROM pg_class WHERE oid = to_regclass(:rel)) AND ("
                "c.oid IN (SELECT indexrelid FROM pg_index WHERE indrelid = to_regclass(:rel)) OR "
                "c.oid IN (SELECT objid FROM pg_depend WHERE refobjid = to_regclass(:rel) "
                "AND classid = 'pg_class'::regclass AND deptype IN ('a', 'i') "
                "AND objid IN (SELECT oid FROM pg_class WHERE relkind = 'S'))) "
                "AND EXISTS (SELECT 1 FROM pg_class o JOIN pg_namespace n ON n.oid = o.relnamespace "
                "WHERE n.nspname = :arch AND o.relname = c.relname)"
            ),
            {"rel": self.q.table(table, schema), "arch": container},
        )
        return {r[0]: naming.archive_relation(r[0], stamp, self.dialect.name) for r in rows}

    def move(
        self,
        table: str,
        schema: str | None,
        container: str | None,
        name: str,
        renames: dict[str, str],
    ) -> list[Statement]:
        """Move *table* to *container*.*name* (one transaction)."""
        plan = [
            _ddl(f"ALTER INDEX {self.q.table(old, schema)} RENAME TO {self.q.name(new)}", table,
                 schema, f"rename {old} (its name is taken in the archive)")
            for old, new in renames.items()
        ]  # fmt: skip
        plan.append(_ddl(
            f"ALTER TABLE {self.q.table(table, schema)} RENAME TO {self.q.name(name)}", table,
            schema, f"archive {table}: rename to {name}",
        ))  # fmt: skip
        plan.append(_ddl(
            f"ALTER TABLE {self.q.table(name, schema)} SET SCHEMA {self.q.schema(container or '')}",
            name, schema, f"archive {table}: move to schema {container}",
        ))  # fmt: skip
        return plan

    def move_back(
        self,
        table: str,
        schema: str | None,
        container: str | None,
        name: str,
        renames: dict[str, str],
    ) -> list[Statement]:
        """Undo :meth:`move`; *schema*: the schema the table came from (by name)."""
        plan = [
            _ddl(f"ALTER TABLE {self.q.table(name, container)} RENAME TO {self.q.name(table)}",
                 name, container, f"restore {table}: rename back"),
            _ddl(f"ALTER TABLE {self.q.table(table, container)} SET SCHEMA {self.q.schema(schema or 'public')}",
                 table, container, f"restore {table}: move back to schema {schema}"),
        ]  # fmt: skip
        plan += [
            _ddl(f"ALTER INDEX {self.q.table(new, schema)} RENAME TO {self.q.name(old)}", table,
                 schema, f"give {old} its name back")
            for old, new in renames.items()
        ]  # fmt: skip
        return plan

    def home(self, connection: Any, schema: str | None) -> str | None:
        """The schema a table of *schema* lives in, by name (to move it back there)."""
        if schema is not None or connection is None:
            return schema
        from sqlalchemy import text

        return str(connection.execute(text("SELECT current_schema()")).scalar())

    def foreign_keys(self, connection: Any, table: str, schema: str | None) -> list[dict[str, Any]]:
        """Foreign keys from *table* to other tables and into it: they go while it is
        archived (the live tables must not depend on archived rows), and come back with it."""
        from sqlalchemy import text

        rows = connection.execute(
            text(
                "SELECT c.conname AS name, c.conrelid::regclass::text AS rel, "
                "pg_get_constraintdef(c.oid) AS def FROM pg_constraint c WHERE c.contype = 'f' "
                "AND c.conrelid <> c.confrelid AND (c.conrelid = to_regclass(:rel) "
                "OR c.confrelid = to_regclass(:rel)) ORDER BY c.conname"
            ),
            {"rel": self.q.table(table, schema)},
        )
        return [dict(r._mapping) for r in rows]

    def dependents(
        self, ctx: Any, table: str, schema: str | None, fks: list[dict[str, Any]]
    ) -> list[Statement]:
        """What goes before the move: the foreign keys of :meth:`foreign_keys`."""
        return [
            _ddl(f"ALTER TABLE {fk['rel']} DROP CONSTRAINT {self.q.name(fk['name'])}", table,
                 schema, f"drop foreign key {fk['name']} (kept in the archive catalog)")
            for fk in fks
        ]  # fmt: skip

    def restore_foreign_keys(self, table: str, fks: list[dict[str, Any]]) -> list[Statement]:
        """Re-add the foreign keys dropped by the move: NOT VALID, then VALIDATE."""
        plan: list[Statement] = []
        for fk in fks:
            name = self.q.name(fk["name"])
            plan.append(_ddl(f"ALTER TABLE {fk['rel']} ADD CONSTRAINT {name} {fk['def']} NOT VALID",
                             table, None, f"restore foreign key {fk['name']}"))  # fmt: skip
            plan.append(Statement(
                f"ALTER TABLE {fk['rel']} VALIDATE CONSTRAINT {name}",
                lock=LockLevel.SHARE_UPDATE_EXCLUSIVE, timeout_class=TimeoutClass.CONCURRENT,
                own_transaction=True, table=table, description=f"validate foreign key {fk['name']}",
            ))  # fmt: skip
        return plan

    def size(self, connection: Any, table: str, schema: str | None) -> int | None:
        """Bytes the table takes (with indexes), ``None`` when unknown."""
        from sqlalchemy import text

        value = connection.execute(
            text("SELECT pg_total_relation_size(to_regclass(:t))"),
            {"t": self.q.table(table, schema)},
        ).scalar()
        return int(value) if value is not None else None

    def row_estimate(self, connection: Any, table: str, schema: str | None) -> int | None:
        """The catalog's row estimate of *table*."""
        from sqlalchemy import text

        value = connection.execute(
            text("SELECT reltuples::bigint FROM pg_class WHERE oid = to_regclass(:t)"),
            {"t": self.q.table(table, schema)},
        ).scalar()
        return int(value) if value is not None and value >= 0 else None

    def drop_archive(self, container: str | None, name: str) -> list[Statement]:
        """Drop an archive table (purge, or a restored column archive)."""
        return [_ddl(f"DROP TABLE IF EXISTS {self.q.table(name, container)}", name, container,
                     f"drop archive {name}")]  # fmt: skip


class MySQLPlace(Place):
    """MySQL/MariaDB: an archive database per database, ``RENAME TABLE`` across."""

    default_container = None

    def container(self, settings: Any, connection: Any | None) -> str | None:
        if settings.archive_schema:
            return str(settings.archive_schema)
        if connection is None:
            return "zdm_archive"
        from sqlalchemy import text

        current = connection.execute(text("SELECT DATABASE()")).scalar()
        return naming.cap(f"{current}_zdm_archive", self.dialect.name)

    def ensure(self, container: str | None) -> list[Statement]:
        return [Statement(f"CREATE DATABASE IF NOT EXISTS {self.q.schema(container or '')}",
                          description=f"archive database {container}")]  # fmt: skip

    def collisions(
        self, connection: Any, table: str, schema: str | None, container: str | None, stamp: str
    ) -> dict[str, str]:
        return {}  # index names belong to their table

    def move(
        self,
        table: str,
        schema: str | None,
        container: str | None,
        name: str,
        renames: dict[str, str],
    ) -> list[Statement]:
        return [_ddl(
            f"RENAME TABLE {self.q.table(table, schema)} TO {self.q.table(name, container)}",
            table, schema, f"archive {table}: move to {container}.{name}",
        )]  # fmt: skip

    def move_back(
        self,
        table: str,
        schema: str | None,
        container: str | None,
        name: str,
        renames: dict[str, str],
    ) -> list[Statement]:
        return [_ddl(
            f"RENAME TABLE {self.q.table(name, container)} TO {self.q.table(table, schema)}",
            table, schema, f"restore {table} from {container}.{name}",
        )]  # fmt: skip

    def home(self, connection: Any, schema: str | None) -> str | None:
        return schema

    def foreign_keys(self, connection: Any, table: str, schema: str | None) -> list[dict[str, Any]]:
        from . import mysql_keys

        return mysql_keys.read(connection, table, schema)

    def dependents(
        self, ctx: Any, table: str, schema: str | None, fks: list[dict[str, Any]]
    ) -> list[Statement]:
        plan: list[Statement] = ctx.ddl_impl.drop_dependents(table, schema)
        return plan

    def restore_foreign_keys(self, table: str, fks: list[dict[str, Any]]) -> list[Statement]:
        """Re-add them INPLACE with ``foreign_key_checks=0``, each then checked."""
        from . import mysql_keys

        return mysql_keys.restore(self.q, table, None, fks)

    def size(self, connection: Any, table: str, schema: str | None) -> int | None:
        from sqlalchemy import text

        value = connection.execute(
            text(
                "SELECT data_length + index_length FROM information_schema.tables "
                "WHERE table_schema = COALESCE(:s, DATABASE()) AND table_name = :t"
            ),
            {"s": schema, "t": table},
        ).scalar()
        return int(value) if value is not None else None

    def row_estimate(self, connection: Any, table: str, schema: str | None) -> int | None:
        from sqlalchemy import text

        value = connection.execute(
            text(
                "SELECT table_rows FROM information_schema.tables "
                "WHERE table_schema = COALESCE(:s, DATABASE()) AND table_name = :t"
            ),
            {"s": schema, "t": table},
        ).scalar()
        return int(value) if value is not None else None


class SqlitePlace(Place):
    """SQLite: the archive is a renamed table in the same file."""

    default_container = None

    def container(self, settings: Any, connection: Any | None) -> str | None:
        return None

    def ensure(self, container: str | None) -> list[Statement]:
        return []

    def collisions(
        self, connection: Any, table: str, schema: str | None, container: str | None, stamp: str
    ) -> dict[str, str]:
        return {}

    def move(
        self,
        table: str,
        schema: str | None,
        container: str | None,
        name: str,
        renames: dict[str, str],
    ) -> list[Statement]:
        return [_ddl(f"ALTER TABLE {self.q.table(table, schema)} RENAME TO {self.q.name(name)}",
                     table, schema, f"archive {table}: rename to {name}")]  # fmt: skip

    def move_back(
        self,
        table: str,
        schema: str | None,
        container: str | None,
        name: str,
        renames: dict[str, str],
    ) -> list[Statement]:
        return [_ddl(f"ALTER TABLE {self.q.table(name, schema)} RENAME TO {self.q.name(table)}",
                     table, schema, f"restore {table} from {name}")]  # fmt: skip

    def home(self, connection: Any, schema: str | None) -> str | None:
        return schema

    def foreign_keys(self, connection: Any, table: str, schema: str | None) -> list[dict[str, Any]]:
        return []  # dropped, not kept (documented)

    def dependents(
        self, ctx: Any, table: str, schema: str | None, fks: list[dict[str, Any]]
    ) -> list[Statement]:
        plan: list[Statement] = ctx.ddl_impl.drop_dependents(table, schema)
        return plan

    def size(self, connection: Any, table: str, schema: str | None) -> int | None:
        from sqlalchemy import exc, text

        try:
            value = connection.execute(
                text("SELECT SUM(pgsize) FROM dbstat WHERE name = :t"), {"t": table}
            ).scalar()
        except exc.DBAPIError:  # dbstat not compiled in
            return None
        return int(value) if value is not None else None

    def row_estimate(self, connection: Any, table: str, schema: str | None) -> int | None:
        from sqlalchemy import text

        quoted = self.q.table(table, schema)
        return int(connection.execute(text(f"SELECT count(*) FROM {quoted}")).scalar() or 0)  # noqa: S608


_PLACES: dict[str, type[Place]] = {}


def register(names: tuple[str, ...], place: type[Place]) -> None:
    """Register *place* for each dialect name; a second registration is an error."""
    for name in names:
        if name in _PLACES:
            raise RuntimeError(f"archive place for dialect {name!r} is registered twice")
        _PLACES[name] = place


register(("postgresql",), Place)
register(("mysql", "mariadb"), MySQLPlace)
register(("sqlite",), SqlitePlace)


def place_for(dialect: Any) -> Place:
    """The :class:`Place` of *dialect*; an unknown database is a clear error."""
    kind = _PLACES.get(dialect.name)
    if kind is None:
        from ..errors import UnsupportedDialectError

        raise UnsupportedDialectError(
            f"alembic-zdm cannot keep archives on {dialect.name!r}; set backup = false to drop "
            f"without keeping the data."
        )
    return kind(dialect)
