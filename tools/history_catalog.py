"""A database's catalog as rows, and what a history's revision files do, for real_histories.

The catalog is read from pg_catalog, pg_indexes and information_schema on PostgreSQL
(sqlite_master and pragma_table_info on SQLite): tables, columns with type, default,
nullability, identity and generation, indexes with their definitions and validity,
constraints with their definitions and validation, sequences, triggers, functions
(not those of extensions), views, enums, extensions, schemas, the rows of every table
and of Alembic's version table. alembic-zdm's state table is left out: stock Alembic
has none.
"""

from __future__ import annotations

import ast
import collections
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import sqlalchemy as sa

STATE_TABLE = "alembic_zdm_state"

_PG_QUERIES = {
    "tables": """SELECT table_schema, table_name, table_type FROM information_schema.tables
        WHERE table_schema NOT IN ('pg_catalog', 'information_schema')""",
    "columns": """SELECT n.nspname, c.relname, a.attname, format_type(a.atttypid, a.atttypmod),
            a.attnotnull, pg_get_expr(d.adbin, d.adrelid), a.attidentity, a.attgenerated
        FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid
        JOIN pg_namespace n ON n.oid = c.relnamespace
        LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
        WHERE a.attnum > 0 AND NOT a.attisdropped AND c.relkind IN ('r', 'p', 'v', 'm')
        AND n.nspname NOT IN ('pg_catalog', 'information_schema')""",
    "indexes": """SELECT i.schemaname, i.tablename, i.indexname, i.indexdef, x.indisvalid
        FROM pg_indexes i JOIN pg_class c ON c.relname = i.indexname
        JOIN pg_namespace n ON n.oid = c.relnamespace AND n.nspname = i.schemaname
        JOIN pg_index x ON x.indexrelid = c.oid
        WHERE i.schemaname NOT IN ('pg_catalog', 'information_schema')""",
    "constraints": """SELECT n.nspname, c.relname, k.conname, k.contype,
            pg_get_constraintdef(k.oid), k.convalidated
        FROM pg_constraint k JOIN pg_class c ON c.oid = k.conrelid
        JOIN pg_namespace n ON n.oid = c.relnamespace
        WHERE n.nspname NOT IN ('pg_catalog', 'information_schema')""",
    "sequences": """SELECT schemaname, sequencename, data_type::text, start_value, increment_by,
            max_value, cycle FROM pg_sequences""",
    "triggers": """SELECT c.relname, t.tgname, pg_get_triggerdef(t.oid), t.tgenabled
        FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid WHERE NOT t.tgisinternal""",
    "functions": """SELECT n.nspname, p.proname, pg_get_function_identity_arguments(p.oid),
            md5(pg_get_functiondef(p.oid))
        FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
        WHERE n.nspname NOT IN ('pg_catalog', 'information_schema') AND p.prokind IN ('f', 'p')
        AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.objid = p.oid AND d.deptype = 'e')""",
    "views": """SELECT schemaname, viewname, md5(definition) FROM pg_views
        WHERE schemaname NOT IN ('pg_catalog', 'information_schema')""",
    "enums": """SELECT n.nspname, t.typname, array_agg(e.enumlabel ORDER BY e.enumsortorder)::text
        FROM pg_type t JOIN pg_enum e ON e.enumtypid = t.oid
        JOIN pg_namespace n ON n.oid = t.typnamespace GROUP BY 1, 2""",
    "extensions": "SELECT extname FROM pg_extension",
    "schemas": """SELECT nspname FROM pg_namespace WHERE nspname NOT LIKE 'pg\\_%'
        AND nspname <> 'information_schema'""",
}
_SQLITE_QUERIES = {
    "objects": "SELECT type, name, tbl_name, sql FROM sqlite_master WHERE name NOT LIKE 'sqlite_%'",
    "columns": """SELECT m.name, c.cid, c.name, c.type, c."notnull", c.dflt_value, c.pk
        FROM sqlite_master m, pragma_table_info(m.name) c WHERE m.type = 'table'""",
}


def catalog(url: str) -> dict[str, list[list[Any]]]:
    """The catalog of the database at *url* as sorted rows per kind of object."""
    engine = sa.create_engine(url, poolclass=sa.pool.NullPool)
    try:
        with engine.connect() as conn:
            queries = _PG_QUERIES if conn.dialect.name == "postgresql" else _SQLITE_QUERIES
            found = {
                kind: sorted(
                    [_plain(v) for v in row]
                    for row in conn.execute(sa.text(sql))
                    if STATE_TABLE not in map(str, row)
                )
                for kind, sql in queries.items()
            }
            found["rows"] = _row_counts(conn)
            return found
    finally:
        engine.dispose()


def _plain(value: Any) -> Any:
    if isinstance(value, str):
        text = " ".join(value.split())
        return _clauses_sorted(text) if text.startswith("CREATE TABLE") else text
    return value if value is None or isinstance(value, bool | int | float) else str(value)


def _clauses_sorted(create: str) -> str:
    """*create* (a CREATE TABLE) with its top-level clauses in sorted order.

    Alembic's batch mode (SQLite) writes a rebuilt table's constraints in set order,
    which changes with the interpreter's hash seed, in stock Alembic too; the columns'
    order is kept in the ``columns`` rows.
    """
    head, _, body = create.partition("(")
    body = body.rstrip().removesuffix(")")
    clauses, depth, start, quote = [], 0, 0, ""
    for i, ch in enumerate(body):
        if quote:
            quote = "" if ch == quote else quote
        elif ch in "'\"`[":
            quote = "]" if ch == "[" else ch
        elif ch == "(":
            depth += 1
        elif ch == ")":
            depth -= 1
        elif ch == "," and depth == 0:
            clauses.append(body[start:i].strip())
            start = i + 1
    clauses.append(body[start:].strip())
    return f"{head}({', '.join(sorted(clauses))})"


def _row_counts(conn: sa.Connection) -> list[list[Any]]:
    insp = sa.inspect(conn)
    schemas = [None]
    if conn.dialect.name == "postgresql":
        schemas += [s for s in insp.get_schema_names() if s not in ("public", "information_schema")]
    counts = []
    for schema in schemas:
        for name in insp.get_table_names(schema=schema):
            if name == STATE_TABLE:
                continue
            table = sa.table(name, schema=schema)
            n = conn.execute(sa.select(sa.func.count()).select_from(table)).scalar()
            counts.append([schema or "", name, n])
    version = [[r[0]] for r in conn.execute(sa.text("SELECT version_num FROM alembic_version"))]
    return sorted(counts) + [["alembic_version", *v] for v in sorted(version)]


def diff(reference: dict[str, Any], other: dict[str, Any]) -> list[str]:
    """Lines ``kind: - row`` (only in the reference) and ``kind: + row`` (only in *other*)."""
    lines = []
    for kind in sorted(set(reference) | set(other)):
        ref = {json.dumps(r) for r in reference.get(kind, [])}
        got = {json.dumps(r) for r in other.get(kind, [])}
        lines += [f"{kind}: - {r}" for r in sorted(ref - got)]
        lines += [f"{kind}: + {r}" for r in sorted(got - ref)]
    return lines


def state_counts(url: str) -> dict[str, int]:
    """``status -> rows`` of the plugin's state table (empty when it has none)."""
    engine = sa.create_engine(url, poolclass=sa.pool.NullPool)
    try:
        with engine.connect() as conn:
            if not sa.inspect(conn).has_table(STATE_TABLE):
                return {}
            state = sa.table(STATE_TABLE, sa.column("status"))
            rows = conn.execute(sa.select(state.c.status, sa.func.count()).group_by(state.c.status))
            return {str(s): int(n) for s, n in rows}
    finally:
        engine.dispose()


# -- what the revisions do ---------------------------------------------------------------


def shapes(versions: Path) -> dict[str, int]:
    """Revision files per transaction shape found in their code (comments do not count)."""
    found: collections.Counter[str] = collections.Counter()
    files = sorted(versions.rglob("*.py"))
    for path in files:
        try:
            tree = ast.parse(path.read_text(encoding="utf-8", errors="replace"))
        except SyntaxError:
            found["unparsable"] += 1
            continue
        seen: set[str] = set()
        first_commit = first_autocommit = None
        for node in ast.walk(tree):
            if not isinstance(node, ast.Call):
                continue
            name = node.func.attr if isinstance(node.func, ast.Attribute) else ""
            if name == "commit":
                seen.add("commits by itself")
                first_commit = min(first_commit or node.lineno, node.lineno)
            elif name == "rollback":
                seen.add("rollback()")
            elif name == "autocommit_block":
                seen.add("autocommit_block()")
                first_autocommit = first_autocommit or node.lineno
            elif name == "batch_alter_table":
                seen.add("batch_alter_table()")
            elif name == "get_bind":
                seen.add("op.get_bind() (data or probes)")
            elif name == "execute" and _commits(node):
                seen.add("commits by itself")
                seen.add('execute("COMMIT")')
        if first_commit and first_autocommit and first_autocommit > first_commit:
            seen.add("commit, then autocommit_block()")
        found.update(seen)
    found["revisions"] = len(files)
    return dict(sorted(found.items()))


def _commits(call: ast.Call) -> bool:
    for arg in call.args:
        text = arg.args[0] if isinstance(arg, ast.Call) and arg.args else arg
        if isinstance(text, ast.Constant) and isinstance(text.value, str):
            if text.value.strip().upper().rstrip(";") in ("COMMIT", "END"):
                return True
    return False


_LINT = "import sys; from alembic_zdm.cli import main; sys.exit(main())"


def lint_counts(versions: Path, target: str, workdir: Path) -> dict[str, int]:
    """``alembic-zdm lint`` findings per rule over the revision files."""
    done = subprocess.run(
        [sys.executable, "-c", _LINT, "lint", "--no-cache", "--format", "json"]
        + ["--target", target, str(versions)],
        cwd=workdir,
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode not in (0, 1) or not done.stdout.strip():
        return {"lint failed": done.returncode}
    rules = collections.Counter(str(f["rule"]) for f in json.loads(done.stdout)["findings"])
    return dict(sorted(rules.items()))


def heads(versions: Path) -> list[str]:
    """The head revisions of the files in *versions* (read as AST, not imported)."""
    revisions, below = _graph(versions)
    return sorted(revisions - below)


def revision_ids(versions: Path) -> list[str]:
    """Every revision id of the files in *versions*."""
    return sorted(_graph(versions)[0])


def _graph(versions: Path) -> tuple[set[str], set[str]]:
    revisions: set[str] = set()
    below: set[str] = set()
    for path in versions.rglob("*.py"):
        try:
            tree = ast.parse(path.read_text(encoding="utf-8", errors="replace"))
        except SyntaxError:
            continue
        for node in tree.body:
            if isinstance(node, ast.Assign) and len(node.targets) == 1:
                target, source = node.targets[0], node.value
            elif isinstance(node, ast.AnnAssign) and node.value is not None:
                target, source = node.target, node.value
            else:
                continue
            name = getattr(target, "id", None)
            if name not in ("revision", "down_revision"):
                continue
            try:
                value = ast.literal_eval(source)
            except ValueError:
                continue
            values = value if isinstance(value, tuple | list) else [value]
            (revisions if name == "revision" else below).update(v for v in values if v)
    return revisions, below
