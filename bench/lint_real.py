"""The linter on real-shaped revisions, cold and warm, next to alembic-guard on the same files.

Public Alembic histories are not synthetic one-liners: their revisions are long,
create wide tables in schemas, migrate data in Python loops with bind parameters
(``:name``, ``%s``, ``%(name)s``, ``IN %s``), carry multi-statement SQL and PL/pgSQL,
branch on the database (``if bind.dialect.name == "mysql"``) and build SQL with
f-strings, ``%`` and concatenation. This module generates such a history (every
name unique per file, so no two files share their SQL) and measures, each in a
fresh process:

* ``alembic-zdm lint --no-cache`` (cold) and with a filled result cache (warm);
* ``alembic-guard`` on the same folder (it has no cache);
* ``alembic-zdm lint FILE`` on one file, as a pre-commit hook runs it.

Run by ``python -m bench.lint_bench`` (``make bench``).
"""

# ruff: noqa: S608  (the generator writes SQL test data into files; nothing is executed)
from __future__ import annotations

import os
import random
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HEAD = '''"""{message}

Revision ID: {rev}
Revises: {down}
Create Date: 2023-0{month}-{day:02d} 12:00:00.000000
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

# revision identifiers, used by Alembic.
revision = {rev!r}
down_revision = {down_repr}
branch_labels = None
depends_on = None

SCHEMA = "{schema}"
'''


def _create_table(n: str, s: str, rng: random.Random) -> str:
    cols = "\n".join(
        f"        sa.Column('{c}_{n}', {t}, nullable={rng.choice(['True', 'False'])}),"
        for c, t in rng.sample(
            [
                ("title", "sa.String()"),
                ("description", "sa.Text()"),
                ("created_dt", "sa.DateTime(timezone=True)"),
                ("position", "sa.Integer()"),
                ("is_deleted", "sa.Boolean()"),
                ("data", "postgresql.JSONB()"),
                ("ratio", "sa.Numeric(10, 2)"),
                ("kind", "sa.SmallInteger()"),
                ("uuid", "postgresql.UUID()"),
                ("code", "sa.String(length=64)"),
            ],
            k=rng.randint(5, 10),
        )
    )
    return f"""    op.create_table(
        'items_{n}',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('event_id', sa.Integer(), nullable=False, index=True),
{cols}
        sa.CheckConstraint('position_{n} >= 0', name='valid_position'),
        sa.ForeignKeyConstraint(['event_id'], ['events.events.id']),
        sa.PrimaryKeyConstraint('id'),
        schema='{s}'
    )
    op.create_index(None, 'items_{n}', ['event_id', 'position_{n}'], unique=True, schema='{s}')
"""


def _data_loop(n: str, s: str) -> str:
    return f"""    conn = op.get_bind()
    default_id = conn.execute('SELECT id FROM {s}.locations_{n} WHERE is_default').scalar()
    for row in conn.execute('SELECT id, name FROM {s}.rooms_{n} WHERE location_id IS NULL'):
        conn.execute('UPDATE {s}.rooms_{n} SET location_id = %s WHERE id = %s', (default_id, row.id))
        conn.execute(
            'INSERT INTO {s}.room_log_{n} (room_id, message) VALUES (%(room)s, %(msg)s)',
            {{'room': row.id, 'msg': 'moved'}},
        )
    stale = [r.id for r in conn.execute('SELECT id FROM {s}.rooms_{n} WHERE is_deleted')]
    if stale:
        conn.execute('DELETE FROM {s}.favorites_{n} WHERE room_id IN %s', (tuple(stale),))
    conn.execute(
        sa.text('UPDATE {s}.rooms_{n} SET owner_id = :owner WHERE owner_id IS NULL AND id > :min_id')
        .bindparams(owner=1, min_id=0)
    )
"""


def _raw_sql(n: str, s: str) -> str:
    return f'''    op.execute("""
        CREATE OR REPLACE FUNCTION {s}.touch_{n}() RETURNS trigger AS $$
        BEGIN
            NEW.modified_dt := now();
            RETURN NEW;
        END;
        $$ LANGUAGE plpgsql;

        UPDATE {s}.contributions_{n} c
        SET track_id = t.id
        FROM {s}.tracks_{n} t
        WHERE t.legacy_id = c.legacy_track_id AND c.track_id IS NULL;

        ALTER TABLE {s}.contributions_{n} ADD CONSTRAINT ck_duration_{n} CHECK (duration >= interval '0');
    """)
    op.execute(f"CREATE INDEX ix_{n}_title ON {{SCHEMA}}.contributions_{n} (lower(title))")
    op.execute("ALTER TABLE %s.tracks_{n} ALTER COLUMN code TYPE varchar(128)" % SCHEMA)
    op.execute("COMMENT ON TABLE " + SCHEMA + ".tracks_{n} IS 'tracks of {n}'")
'''


def _branches(n: str) -> str:
    return f"""    bind = op.get_bind()
    if bind.dialect.name == 'mysql':
        op.execute('ALTER TABLE `awards_{n}` CONVERT TO CHARACTER SET utf8mb4')
        op.execute('ALTER TABLE `awards_{n}` MODIFY `date` DATETIME(6)')
    elif str(bind.engine.url).startswith('sqlite'):
        op.execute('PRAGMA foreign_keys=OFF')
    else:
        op.execute('ALTER TABLE awards_{n} ALTER COLUMN date TYPE timestamptz')
"""


def _alters(n: str, s: str, rng: random.Random) -> str:
    lines = []
    for i in range(rng.randint(4, 12)):
        col = f"field_{n}_{i}"
        lines.append(
            rng.choice(
                [
                    f"    op.add_column('settings_{n}', sa.Column('{col}', sa.Text(), nullable=True), schema='{s}')",
                    f"    op.alter_column('settings_{n}', '{col}', existing_type=sa.VARCHAR(), nullable=False, schema='{s}')",
                    f"    op.drop_column('settings_{n}', '{col}', schema='{s}')",
                    f"    op.create_foreign_key(None, 'settings_{n}', 'users', ['{col}'], ['id'], source_schema='{s}', referent_schema='users')",
                    f"    op.drop_constraint('fk_settings_{n}_{col}', 'settings_{n}', schema='{s}')",
                    f"    op.create_check_constraint('ck_{col}', 'settings_{n}', '{col} IS NOT NULL OR is_deleted', schema='{s}')",
                ]
            )
        )
    lines.append(f"    with op.batch_alter_table('prefs_{n}', schema='{s}') as batch_op:")
    lines.append(
        f"        batch_op.alter_column('value_{n}', type_=sa.Text(), existing_type=sa.String(255))"
    )
    lines.append(f"        batch_op.create_index('ix_prefs_{n}_value', ['value_{n}'])")
    return "\n".join(lines) + "\n"


def revision_source(i: int, rng: random.Random, rev: str, down: str | None) -> str:
    """One long, real-shaped revision; every identifier carries *i*."""
    n = f"{i:04d}"
    schema = rng.choice(["events", "categories", "users", "attachments", "roombooking"])
    parts = [
        _create_table(n, schema, rng),
        _alters(n, schema, rng),
        _data_loop(n, schema),
        _raw_sql(n, schema),
        _branches(n),
    ]
    rng.shuffle(parts)
    up = "def upgrade():\n" + "".join(parts[: rng.randint(3, 5)])
    down_body = (
        f"def downgrade():\n    op.drop_table('items_{n}', schema={schema!r})\n"
        f"    op.execute('DROP FUNCTION IF EXISTS {schema}.touch_{n}()')\n"
        + _alters(n, schema, rng)
    )
    head = HEAD.format(
        message=f"Change {n}",
        rev=rev,
        down=down or "",
        down_repr=repr(down),
        month=i % 9 + 1,
        day=i % 28 + 1,
        schema=schema,
    )
    return head + "\n\n" + up + "\n\n" + down_body


def generate(folder: Path, count: int, seed: int = 12) -> Path:
    """Write *count* real-shaped revisions to ``folder/versions``."""
    rng = random.Random(seed)
    versions = folder / "versions"
    versions.mkdir(parents=True)
    down = None
    for i in range(count):
        rev = f"{rng.getrandbits(48):012x}"
        (versions / f"{rev}_change_{i:04d}.py").write_text(
            revision_source(i, rng, rev, down), encoding="utf-8"
        )
        down = rev
    return versions


_ENV = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
"""Both tools run as installed: with their bytecode caches (a warm-up run writes ours)."""


def _wall(cmd: list[str], cwd: Path) -> tuple[float, float]:
    """(wall seconds, CPU seconds of the process and its workers): on a loaded machine the
    CPU time is the steadier of the two."""
    import resource

    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    subprocess.run(
        cmd, cwd=cwd, env=_ENV, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False
    )
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime
    return wall, cpu


def _best(cmd: list[str], cwd: Path, repeat: int) -> tuple[float, float]:
    runs = [_wall(cmd, cwd) for _ in range(repeat)]
    return min(w for w, _ in runs), min(c for _, c in runs)


def _tool(name: str) -> str | None:
    here = Path(sys.executable).parent / name
    return str(here) if here.exists() else shutil.which(name)


def measure(count: int, repeat: int, folder: Path | None = None) -> dict[str, object]:
    """Cold, warm and single-file times of alembic-zdm, and alembic-guard's, on *count* files
    (or on the revisions in *folder*)."""
    work = Path(tempfile.mkdtemp(prefix="zdm-lint-real-"))
    try:
        versions = folder if folder is not None else generate(work, count)
        files = sorted(versions.glob("*.py"))
        cli, guard = _tool("alembic-zdm"), _tool("alembic-guard")
        results: dict[str, object] = {
            "files": len(files),
            "lines": sum(p.read_text(encoding="utf-8").count("\n") for p in files),
        }
        if cli is None:
            return results
        cache = work / "cache"
        base = [cli, "lint", str(versions), "--format", "json", "-o", os.devnull]
        one_file = str(files[len(files) // 2])
        runs = {
            "cold": [*base, "--no-cache"],
            "warm": [*base, "--cache-dir", str(cache)],
            "single_file": [cli, "lint", one_file, "--no-cache", "-o", os.devnull],
        }
        if guard is not None:
            runs["alembic_guard"] = [guard, str(versions)]
            runs["alembic_guard_single_file"] = [guard, one_file]
        _wall(runs["warm"], work)  # fill the result cache (and the bytecode caches)
        for name, cmd in runs.items():
            times = max(5, repeat) if "single" in name else repeat
            results[f"{name}_s"], results[f"{name}_cpu_s"] = _best(cmd, work, times)
        return results
    finally:
        shutil.rmtree(work, ignore_errors=True)


def report(results: dict[str, object]) -> str:
    """The lines ``make bench`` prints."""
    lines = [
        f"Real-shaped revisions: {results['files']} files, {results['lines']} lines "
        "(wide tables, data loops with bind parameters, raw SQL, dialect branches)",
        f"  {'':<40} {'wall':>8} {'CPU':>8}  wall vs alembic-guard",
    ]
    for label, key, other in (
        ("alembic-zdm lint --no-cache (cold)", "cold", "alembic_guard"),
        ("alembic-zdm lint (warm result cache)", "warm", "alembic_guard"),
        ("alembic-guard (same files, no cache)", "alembic_guard", None),
        ("alembic-zdm lint FILE (one file, cold)", "single_file", "alembic_guard_single_file"),
        ("alembic-guard FILE (one file)", "alembic_guard_single_file", None),
    ):
        wall, cpu = results.get(f"{key}_s"), results.get(f"{key}_cpu_s")
        if not isinstance(wall, float) or not isinstance(cpu, float):
            continue
        base = results.get(f"{other}_s") if other else None
        ratio = f"  {wall / base:.2f}x" if isinstance(base, float) and base else ""
        lines.append(f"  {label:<40} {wall:7.3f}s {cpu:7.3f}s{ratio}")
    if "alembic_guard_s" not in results:
        lines.append("  alembic-guard: not installed (pip install alembic-guard)")
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    import argparse

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--files", type=int, default=1056)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--folder", type=Path, default=None, help="measure these revisions instead")
    args = parser.parse_args()
    sys.stdout.write(report(measure(args.files, args.repeat, args.folder)))
