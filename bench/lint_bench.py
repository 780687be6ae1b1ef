"""Benchmark of ``alembic-zdm lint`` on 1,000 generated revision files.

Generates realistic revisions (plain and phased, op calls, batch ops, raw SQL) and,
beside each, the SQL it runs (for squawk). Measures:

* cold: lint with no result cache, in a fresh process (API time, and the whole
  ``alembic-zdm lint`` command line);
* warm: the same with the per-file result cache filled;
* squawk (``squawk-cli``) on the SQL files and alembic-guard on the revision files,
  as ratios to our cold command-line time.

Prints a table and writes ``bench/results/lint.json``. ``--quick`` uses 200 files.
Run by ``make bench``; no timing assertions live in the tests.
"""

# ruff: noqa: S608  (the generator writes SQL test data into files; nothing is executed)
from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

RESULTS = Path(__file__).resolve().parent / "results" / "lint.json"
TABLES = [
    "users",
    "orders",
    "accounts",
    "invoices",
    "products",
    "events",
    "payments",
    "sessions",
    "teams",
    "comments",
]
COLUMNS = [
    "email",
    "status",
    "created_at",
    "amount",
    "name",
    "region",
    "kind",
    "score",
    "owner_id",
    "ref",
]

HEADER = '''"""{message}

Revision ID: {rev}
Revises: {down}
Create Date: 2024-01-{day:02d} 10:00:00
"""
from __future__ import annotations

from typing import Sequence, Union

import sqlalchemy as sa
from alembic import op

revision: str = "{rev}"
down_revision: Union[str, None] = {down_repr}
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None

'''


def _plain(rng: random.Random, i: int) -> tuple[str, str]:
    t, t2 = rng.sample(TABLES, 2)
    c = rng.choice(COLUMNS)
    new = f"t_{i}"
    choice = i % 8
    if choice == 0:
        py = f'''def upgrade() -> None:
    op.create_table(
        "{new}",
        sa.Column("id", sa.BigInteger(), primary_key=True),
        sa.Column("{c}", sa.String(255), nullable=False),
        sa.Column("{t}_id", sa.BigInteger(), sa.ForeignKey("{t}.id"), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()")),
    )
    op.create_index("ix_{new}_{c}", "{new}", ["{c}"])


def downgrade() -> None:
    op.drop_index("ix_{new}_{c}", table_name="{new}")
    op.drop_table("{new}")
'''
        sql = (
            f"CREATE TABLE {new} (id BIGSERIAL PRIMARY KEY, {c} VARCHAR(255) NOT NULL, {t}_id BIGINT NOT NULL "
            f"REFERENCES {t} (id), created_at TIMESTAMPTZ DEFAULT now());\nCREATE INDEX ix_{new}_{c} ON {new} ({c});\n"
        )
    elif choice == 1:
        py = f'''def upgrade() -> None:
    op.add_column("{t}", sa.Column("{c}_{i}", sa.String(64), nullable=True))
    op.create_index("ix_{t}_{c}_{i}", "{t}", ["{c}_{i}"])


def downgrade() -> None:
    op.drop_index("ix_{t}_{c}_{i}", table_name="{t}")
    op.drop_column("{t}", "{c}_{i}")
'''
        sql = f"ALTER TABLE {t} ADD COLUMN {c}_{i} VARCHAR(64);\nCREATE INDEX ix_{t}_{c}_{i} ON {t} ({c}_{i});\n"
    elif choice == 2:
        py = f'''def upgrade() -> None:
    with op.batch_alter_table("{t}") as batch_op:
        batch_op.alter_column("{c}", existing_type=sa.String(100), type_=sa.String(200))
        batch_op.alter_column("{c}", nullable=False)


def downgrade() -> None:
    with op.batch_alter_table("{t}") as batch_op:
        batch_op.alter_column("{c}", nullable=True)
        batch_op.alter_column("{c}", existing_type=sa.String(200), type_=sa.String(100))
'''
        sql = f"ALTER TABLE {t} ALTER COLUMN {c} TYPE VARCHAR(200);\nALTER TABLE {t} ALTER COLUMN {c} SET NOT NULL;\n"
    elif choice == 3:
        py = f"""def upgrade() -> None:
    with op.get_context().autocommit_block():
        op.execute("CREATE INDEX CONCURRENTLY IF NOT EXISTS ix_{t}_{c}_{i} ON {t} ({c})")


def downgrade() -> None:
    with op.get_context().autocommit_block():
        op.execute("DROP INDEX CONCURRENTLY IF EXISTS ix_{t}_{c}_{i}")
"""
        sql = f"CREATE INDEX CONCURRENTLY IF NOT EXISTS ix_{t}_{c}_{i} ON {t} ({c});\n"
    elif choice == 4:
        py = f'''def upgrade() -> None:
    op.add_column("{t}", sa.Column("flag_{i}", sa.Boolean(), nullable=True))
    op.execute("""
        UPDATE {t} SET flag_{i} = false WHERE flag_{i} IS NULL;
    """)
    op.create_foreign_key("fk_{t}_{t2}_{i}", "{t}", "{t2}", ["{t2}_id"], ["id"])


def downgrade() -> None:
    op.drop_constraint("fk_{t}_{t2}_{i}", "{t}", type_="foreignkey")
    op.drop_column("{t}", "flag_{i}")
'''
        sql = (
            f"ALTER TABLE {t} ADD COLUMN flag_{i} BOOLEAN;\nUPDATE {t} SET flag_{i} = false WHERE flag_{i} IS NULL;\n"
            f"ALTER TABLE {t} ADD CONSTRAINT fk_{t}_{t2}_{i} FOREIGN KEY ({t2}_id) REFERENCES {t2} (id);\n"
        )
    elif choice == 5:
        py = f'''def upgrade() -> None:
    op.drop_column("{t}", "legacy_{c}")
    op.create_check_constraint("ck_{t}_{c}_{i}", "{t}", "{c} IS NOT NULL")


def downgrade() -> None:
    op.drop_constraint("ck_{t}_{c}_{i}", "{t}", type_="check")
    op.add_column("{t}", sa.Column("legacy_{c}", sa.Text(), nullable=True))
'''
        sql = f"ALTER TABLE {t} DROP COLUMN legacy_{c};\nALTER TABLE {t} ADD CONSTRAINT ck_{t}_{c}_{i} CHECK ({c} IS NOT NULL);\n"
    elif choice == 6:
        py = f'''def upgrade() -> None:
    op.execute("SET LOCAL lock_timeout = '2s'")
    op.add_column("{t}", sa.Column("{c}_v{i}", sa.Integer(), nullable=False, server_default="0"))
    op.alter_column("{t}", "{c}", new_column_name="{c}_old")


def downgrade() -> None:
    op.alter_column("{t}", "{c}_old", new_column_name="{c}")
    op.drop_column("{t}", "{c}_v{i}")
'''
        sql = (
            f"SET LOCAL lock_timeout = '2s';\nALTER TABLE {t} ADD COLUMN {c}_v{i} INTEGER NOT NULL DEFAULT 0;\n"
            f"ALTER TABLE {t} RENAME COLUMN {c} TO {c}_old;\n"
        )
    else:
        py = f'''def upgrade() -> None:
    op.add_index_concurrently("ix_{t}_{c}_{i}", "{t}", ["{c}"])
    op.add_foreign_key_safe("fk_{t}_{t2}_{i}", "{t}", "{t2}", ["{t2}_id"], ["id"])


def downgrade() -> None:
    op.drop_constraint("fk_{t}_{t2}_{i}", "{t}", type_="foreignkey")
    op.drop_index_concurrently("ix_{t}_{c}_{i}", "{t}")
'''
        sql = (
            f"CREATE INDEX CONCURRENTLY ix_{t}_{c}_{i} ON {t} ({c});\n"
            f"ALTER TABLE {t} ADD CONSTRAINT fk_{t}_{t2}_{i} FOREIGN KEY ({t2}_id) REFERENCES {t2} (id) NOT VALID;\n"
            f"ALTER TABLE {t} VALIDATE CONSTRAINT fk_{t}_{t2}_{i};\n"
        )
    return py, sql


def _phased(rng: random.Random, i: int) -> tuple[str, str]:
    t = rng.choice(TABLES)
    c = rng.choice(COLUMNS)
    py = f'''def expand() -> None:
    op.add_column("{t}", sa.Column("{c}_{i}", sa.Text(), nullable=True))
    op.safe_rename_column("{t}", "{c}", "{c}_renamed_{i}")


def undo_expand() -> None:
    op.drop_column("{t}", "{c}_{i}")


def migrate() -> None:
    op.backfill("{t}", set={{"{c}_{i}": "{c}"}}, where="{c}_{i} IS NULL", batch_size=5000)


def undo_migrate() -> None:
    pass


def contract() -> None:
    op.safe_drop_column("{t}", "legacy_{i}")


def undo_contract() -> None:
    raise NotImplementedError("irreversible: legacy_{i} is gone")


def upgrade() -> None:
    expand()
    migrate()
    contract()


def downgrade() -> None:
    undo_contract()
    undo_migrate()
    undo_expand()
'''
    sql = (
        f"ALTER TABLE {t} ADD COLUMN {c}_{i} TEXT;\nUPDATE {t} SET {c}_{i} = {c} WHERE {c}_{i} IS NULL;\n"
        f"ALTER TABLE {t} DROP COLUMN legacy_{i};\n"
    )
    return py, sql


def generate(folder: Path, count: int, seed: int = 7) -> tuple[Path, Path]:
    """Write *count* revisions to ``folder/versions`` and their SQL to ``folder/sql``."""
    rng = random.Random(seed)
    versions, sql_dir = folder / "versions", folder / "sql"
    versions.mkdir(parents=True)
    sql_dir.mkdir()
    down = None
    for i in range(count):
        rev = f"{rng.getrandbits(48):012x}"
        body, sql = _phased(rng, i) if i % 4 == 3 else _plain(rng, i)
        head = HEADER.format(
            message=f"change {i}", rev=rev, down=down or "", day=i % 28 + 1, down_repr=repr(down)
        )
        (versions / f"{rev}_change_{i}.py").write_text(head + body, encoding="utf-8")
        (sql_dir / f"{rev}_change_{i}.sql").write_text(sql, encoding="utf-8")
        down = rev
    return versions, sql_dir


_API_SNIPPET = """
import sys, time
from pathlib import Path
t0 = time.perf_counter()
import alembic_zdm
t1 = time.perf_counter()
from alembic_zdm.lint import api
cache = Path(sys.argv[2]) if sys.argv[2] != "-" else None
result = api.lint(api.LintOptions(paths=[Path(sys.argv[1])], cache_dir=cache))
t2 = time.perf_counter()
print(t2 - t1, t1 - t0, len(result.findings))
"""


def _api_time(versions: Path, cache: Path | None) -> tuple[float, float, int]:
    """(lint time incl. the linter's own imports, time of ``import alembic_zdm``, findings) in a fresh process."""
    out = subprocess.run(
        [sys.executable, "-c", _API_SNIPPET, str(versions), str(cache) if cache else "-"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.split()
    return float(out[0]), float(out[1]), int(out[2])


def _wall(cmd: list[str], cwd: Path) -> float:
    start = time.perf_counter()
    subprocess.run(cmd, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False)
    return time.perf_counter() - start


def _best(fn: object, repeat: int) -> float:
    times = [fn() for _ in range(repeat)]  # type: ignore[operator]
    return min(times)


def _tool(name: str) -> str | None:
    here = Path(sys.executable).parent / name
    return str(here) if here.exists() else shutil.which(name)


def run(count: int, repeat: int) -> dict[str, object]:
    """Generate, measure, and return the results."""
    work = Path(tempfile.mkdtemp(prefix="zdm-lint-bench-"))
    try:
        versions, sql_dir = generate(work, count)
        cache = work / ".alembic_zdm_cache"
        cold = min((_api_time(versions, None) for _ in range(repeat)), key=lambda r: r[0])
        cold_api, package_import = cold[0], cold[1]
        findings = _api_time(versions, cache)[2]
        warm_api = min(_api_time(versions, cache)[0] for _ in range(repeat))
        cli = _tool("alembic-zdm")
        results: dict[str, object] = {
            "files": count,
            "findings": findings,
            "cold_api_s": cold_api,
            "warm_api_s": warm_api,
            "package_import_s": package_import,
        }
        if cli:
            base = [cli, "lint", str(versions), "--format", "json", "-o", os.devnull]
            results["cold_cli_s"] = _best(lambda: _wall([*base, "--no-cache"], work), repeat)
            results["warm_cli_s"] = _best(
                lambda: _wall([*base, "--cache-dir", str(cache)], work), repeat
            )
            results["cli_startup_s"] = _best(lambda: _wall([cli, "--version"], work), repeat)
        sql_files = sorted(str(p) for p in sql_dir.glob("*.sql"))
        squawk = _tool("squawk")
        results["squawk_s"] = (
            _best(lambda: _wall([squawk, *sql_files], work), repeat) if squawk else None
        )
        guard = _tool("alembic-guard")
        results["alembic_guard_s"] = (
            _best(lambda: _wall([guard, str(versions)], work), repeat) if guard else None
        )
        return results
    finally:
        shutil.rmtree(work, ignore_errors=True)


def report(results: dict[str, object]) -> str:
    """The table printed by ``make bench``."""
    ours = results.get("cold_cli_s") or results["cold_api_s"]
    rows = [
        ("alembic-zdm lint, cold (no cache)", results["cold_api_s"], "budget 1.0 s"),
        ("alembic-zdm lint, warm (result cache)", results["warm_api_s"], "budget 0.25 s"),
        (
            "  + import alembic_zdm",
            results.get("package_import_s"),
            "per process",
        ),
        ("alembic-zdm lint, cold (command line)", results.get("cold_cli_s"), ""),
        ("alembic-zdm lint, warm (command line)", results.get("warm_cli_s"), ""),
        ("  of which CLI start-up (alembic-zdm --version)", results.get("cli_startup_s"), ""),
    ]
    lines = [
        f"alembic-zdm lint benchmark: {results['files']} revision files, {results['findings']} findings",
        "",
    ]
    for label, value, note in rows:
        if value is not None:
            lines.append(f"{label:<48} {float(value):8.3f} s  {note}")  # type: ignore[arg-type]
    for label, key, hint in (
        ("squawk (SQL of the same revisions)", "squawk_s", "pip install squawk-cli"),
        ("alembic-guard (same revision files)", "alembic_guard_s", "pip install alembic-guard"),
    ):
        value = results.get(key)
        if value is None:
            lines.append(f"{label:<48} not installed or not runnable ({hint})")
        else:
            ratio = float(value) / float(ours)  # type: ignore[arg-type]
            lines.append(
                f"{label:<48} {float(value):8.3f} s  alembic-zdm cold CLI / this = {1 / ratio:.2f}"
            )  # type: ignore[arg-type]
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    """``python bench/lint_bench.py [--quick]``."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="200 files, one repetition")
    parser.add_argument("--files", type=int, default=None)
    args = parser.parse_args(argv)
    count = args.files or (200 if args.quick else 1000)
    results = run(count, repeat=1 if args.quick else 3)
    sys.stdout.write(report(results))
    from bench import lint_real

    real = lint_real.measure(200 if args.quick else 1056, repeat=1 if args.quick else 3)
    sys.stdout.write("\n" + lint_real.report(real))
    results["real_shaped"] = real
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")
    print(
        f"wrote {RESULTS.relative_to(Path.cwd()) if RESULTS.is_relative_to(Path.cwd()) else RESULTS}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
