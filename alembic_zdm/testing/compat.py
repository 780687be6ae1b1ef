"""Does a release's code still work against a schema? Its models' statements, run for real.

A release is described by its SQLAlchemy models: for each mapped table, the columns the
code selects, inserts and updates. :func:`describe` turns a ``MetaData`` (or a
declarative ``Base``) into plain data, so the previous release can be described in a
separate Python process from its own source tree (:func:`describe_at_ref`: ``git
archive`` of the package at a git ref, imported in isolation). :func:`check` then runs,
on a database, in one transaction that is rolled back: an INSERT of one row per table
(parents first, foreign keys filled from them) with the release's column set, a SELECT of
every mapped column, and an UPDATE of each mapped column — each in a savepoint, so every
failing statement is reported, not only the first.
"""

from __future__ import annotations

import contextlib
import dataclasses
import datetime
import decimal
import json
import os
import subprocess
import sys
import tempfile
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import sqlalchemy as sa


@dataclasses.dataclass(frozen=True)
class ColumnSpec:
    """What the code knows of one column."""

    name: str
    kind: str
    nullable: bool
    primary_key: bool
    autoincrement: bool
    server_default: bool
    length: int | None = None
    choices: tuple[str, ...] = ()
    references: tuple[str, str] | None = None


@dataclasses.dataclass(frozen=True)
class TableSpec:
    """One mapped table (``schema`` may be ``None``)."""

    name: str
    schema: str | None
    columns: tuple[ColumnSpec, ...]

    @property
    def qualified(self) -> str:
        """``schema.table`` or ``table``."""
        return f"{self.schema}.{self.name}" if self.schema else self.name


@dataclasses.dataclass(frozen=True)
class Failure:
    """A statement of the release that the schema refused."""

    table: str
    kind: str
    statement: str
    error: str

    def __str__(self) -> str:
        return f"{self.kind} on {self.table} failed: {self.error} (statement: {self.statement})"


_KINDS = (
    (sa.Boolean, "bool"),
    (sa.BigInteger, "int"),
    (sa.Integer, "int"),
    (sa.Numeric, "number"),
    (sa.Float, "number"),
    (sa.DateTime, "datetime"),
    (sa.Date, "date"),
    (sa.Time, "time"),
    (sa.Interval, "interval"),
    (sa.Enum, "enum"),
    (sa.Uuid, "uuid"),
    (sa.JSON, "json"),
    (sa.LargeBinary, "bytes"),
    (sa.String, "str"),
)


def _kind(column: sa.Column[Any]) -> str:
    for cls, kind in _KINDS:
        if isinstance(column.type, cls):
            return kind
    try:
        python = column.type.python_type
    except NotImplementedError:
        return "unknown"
    return {int: "int", str: "str", bool: "bool", float: "number"}.get(python, "unknown")


def describe(models: Any) -> list[TableSpec]:
    """The tables of a ``MetaData`` or declarative ``Base``, parents before children."""
    metadata = getattr(models, "metadata", models)
    specs = []
    for table in metadata.sorted_tables:
        columns = []
        for col in table.columns:
            fk = next(iter(col.foreign_keys), None)
            ref = (fk.column.table.name, fk.column.name) if fk is not None else None
            columns.append(
                ColumnSpec(
                    name=col.name,
                    kind=_kind(col),
                    nullable=bool(col.nullable),
                    primary_key=bool(col.primary_key),
                    autoincrement=bool(
                        col.primary_key
                        and col is table.autoincrement_column
                        and col.default is None
                    ),
                    server_default=col.server_default is not None,
                    length=getattr(col.type, "length", None),
                    choices=tuple(getattr(col.type, "enums", ()) or ()),
                    references=ref,
                )
            )
        specs.append(TableSpec(table.name, table.schema, tuple(columns)))
    return specs


def to_json(specs: list[TableSpec]) -> str:
    """Specs as JSON (what the isolated process prints)."""
    return json.dumps([dataclasses.asdict(s) for s in specs])


def from_json(text: str) -> list[TableSpec]:
    """Specs back from :func:`to_json`."""
    out = []
    for table in json.loads(text):
        cols = tuple(
            ColumnSpec(
                **{
                    **c,
                    "choices": tuple(c["choices"]),
                    "references": tuple(c["references"]) if c["references"] else None,
                }
            )
            for c in table["columns"]
        )
        out.append(TableSpec(table["name"], table["schema"], cols))
    return out


_DESCRIBE = """
import sys
from alembic_zdm.models_check import load_models
from alembic_zdm.testing.compat import describe, to_json
sys.stdout.write(to_json(describe(load_models(sys.argv[1]))))
"""


def describe_in_isolation(spec: str, path: Path | None = None) -> list[TableSpec]:
    """Describe the models ``module:Base`` imported in a fresh interpreter (*path* first)."""
    env = dict(os.environ)
    if path is not None:
        env["PYTHONPATH"] = os.pathsep.join([str(path), env.get("PYTHONPATH", "")]).rstrip(
            os.pathsep
        )
    proc = subprocess.run(
        [sys.executable, "-c", _DESCRIBE, spec],
        capture_output=True,
        text=True,
        env=env,
        cwd=str(path) if path is not None else None,
    )
    if proc.returncode != 0:
        lines = proc.stderr.strip().splitlines()
        raise RuntimeError(
            f"Cannot import the models {spec!r}"
            + (f" of the tree at {path.name}" if path is not None else "")
            + f": {lines[-1] if lines else 'the interpreter exited with ' + str(proc.returncode)}."
        )
    return from_json(proc.stdout)


@contextlib.contextmanager
def tree_at_ref(ref: str, repo: Path) -> Iterator[Path]:
    """The repository's files as they were at git *ref*, in a temporary folder."""
    with tempfile.TemporaryDirectory(prefix="zdm-prev-") as folder:
        archive = subprocess.run(
            ["git", "-C", str(repo), "archive", "--format=tar", ref],
            capture_output=True,
        )
        if archive.returncode != 0:
            raise RuntimeError(
                f"Cannot read git ref {ref!r} of {repo.name}: "
                f"{archive.stderr.decode(errors='replace').strip()}; fetch it first "
                "(git fetch origin) or pass another --zdm-previous-ref."
            )
        subprocess.run(["tar", "-x", "-C", folder], input=archive.stdout, check=True)
        yield Path(folder)


def _value(col: ColumnSpec, seq: int) -> Any:
    kind = col.kind
    if kind == "int":
        return 900_000 + seq
    if kind == "bool":
        return False
    if kind == "number":
        return decimal.Decimal("1.5")
    if kind == "datetime":
        return datetime.datetime(2020, 1, 2, 3, 4, 5)
    if kind == "date":
        return datetime.date(2020, 1, 2)
    if kind == "time":
        return datetime.time(3, 4, 5)
    if kind == "interval":
        return datetime.timedelta(seconds=5)
    if kind == "enum":
        return col.choices[0] if col.choices else "a"
    if kind == "uuid":
        return uuid.UUID(int=seq)
    if kind == "json":
        return {"zdm": seq}
    if kind == "bytes":
        return b"zdm"
    text = f"zdm{seq}"
    return text[: col.length] if col.length else text


def _table(spec: TableSpec, engine_dialect: str) -> sa.Table:
    md = sa.MetaData()
    # strings and enums bind untyped, so the server casts them to the column's own type
    types: dict[str, Any] = {
        "int": sa.BigInteger(), "bool": sa.Boolean(), "number": sa.Numeric(), "datetime": sa.DateTime(),
        "date": sa.Date(), "time": sa.Time(), "interval": sa.Interval(), "uuid": sa.Uuid(),
        "json": sa.JSON(), "bytes": sa.LargeBinary(),
    }  # fmt: skip
    cols = [
        sa.Column(
            c.name,
            types.get(c.kind, sa.types.NullType()),
            primary_key=c.primary_key,
            autoincrement=c.autoincrement,
        )
        for c in spec.columns
    ]
    return sa.Table(spec.name, md, *cols, schema=spec.schema)


def check(url: str, specs: list[TableSpec]) -> list[Failure]:
    """Run the release's INSERT, SELECT and UPDATE statements on *url*; return what failed.

    Foreign keys the database has (whether or not the release's models declare them)
    are filled from the rows inserted into their parent tables, parents first.
    Nothing stays behind: the transaction is rolled back.
    """
    failures: list[Failure] = []
    engine = sa.create_engine(url, poolclass=sa.pool.NullPool)
    try:
        with engine.connect() as conn:
            references = _database_references(conn, specs)
            conn.rollback()  # end the catalog reads' transaction
            trans = conn.begin()
            try:
                keys: dict[str, dict[str, Any]] = {}
                for n, spec in enumerate(_parents_first(specs, references)):
                    refs = references.get(spec.name, {})
                    _check_table(conn, spec, refs, n * 100, keys, failures)
            finally:
                trans.rollback()
    finally:
        engine.dispose()
    return failures


def _database_references(
    conn: sa.Connection, specs: list[TableSpec]
) -> dict[str, dict[str, tuple[str, str]]]:
    """table → column → (parent table, parent column): the models' and the database's FKs."""
    insp = sa.inspect(conn)
    out: dict[str, dict[str, tuple[str, str]]] = {}
    for spec in specs:
        refs = {c.name: c.references for c in spec.columns if c.references}
        if insp.has_table(spec.name, schema=spec.schema):
            for fk in insp.get_foreign_keys(spec.name, schema=spec.schema):
                for local, remote in zip(
                    fk["constrained_columns"], fk["referred_columns"], strict=True
                ):
                    refs[local] = (fk["referred_table"], remote)
        out[spec.name] = {k: v for k, v in refs.items() if v is not None}
    return out


def _parents_first(
    specs: list[TableSpec], references: dict[str, dict[str, tuple[str, str]]]
) -> list[TableSpec]:
    by_name = {s.name: s for s in specs}
    ordered: list[TableSpec] = []
    visiting: set[str] = set()

    def visit(name: str) -> None:
        if name in visiting or by_name[name] in ordered:
            return
        visiting.add(name)
        for parent, _ in references.get(name, {}).values():
            if parent in by_name and parent != name:
                visit(parent)
        ordered.append(by_name[name])

    for spec in specs:
        visit(spec.name)
    return ordered


def _attempt(conn: sa.Connection, stmt: Any, what: tuple[str, str], failures: list[Failure]) -> Any:
    savepoint = conn.begin_nested()
    try:
        result = conn.execute(stmt)
    except sa.exc.DBAPIError as exc:
        savepoint.rollback()
        text = str(stmt.compile(dialect=conn.dialect)).replace("\n", " ")
        first = str(exc.orig).strip().splitlines()
        failures.append(Failure(what[0], what[1], text, first[0] if first else type(exc).__name__))
        return None
    savepoint.commit()
    return result


def _check_table(
    conn: sa.Connection,
    spec: TableSpec,
    references: dict[str, tuple[str, str]],
    seq: int,
    keys: dict[str, dict[str, Any]],
    failures: list[Failure],
) -> None:
    table = _table(spec, conn.dialect.name)
    values: dict[str, Any] = {}
    for i, col in enumerate(spec.columns):
        if col.autoincrement:
            continue
        ref = references.get(col.name)
        if ref is not None and ref[0] in keys and ref[1] in keys[ref[0]]:
            values[col.name] = keys[ref[0]][ref[1]]
            continue
        if ref is not None and col.nullable:
            values[col.name] = None
            continue
        values[col.name] = _value(col, seq + i)
    result = _attempt(conn, table.insert().values(**values), (spec.qualified, "INSERT"), failures)
    row = dict(values)
    if result is not None:
        inserted = result.inserted_primary_key or ()
        for pk_column, key in zip(list(table.primary_key.columns), inserted, strict=False):
            row[pk_column.name] = key
        keys[spec.name] = row
    pk = [c for c in table.columns if c.primary_key]
    # without an inserted row the statements still run (on no row): the columns are checked
    where = (
        sa.and_(*(c == row[c.name] for c in pk))
        if result is not None and pk and all(c.name in row for c in pk)
        else sa.false()
    )
    _attempt(conn, sa.select(*table.columns).where(where), (spec.qualified, "SELECT"), failures)
    for col in spec.columns:
        if col.primary_key or col.name not in values:
            continue
        column = table.c[col.name]
        _attempt(
            conn,
            table.update().where(where).values({column: values[col.name]}),
            (spec.qualified, f"UPDATE of {col.name}"),
            failures,
        )
