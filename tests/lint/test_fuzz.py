"""Random and malformed input: the linter never crashes; files Python cannot parse are ZDM005 (exit 2)."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from lintcase import HEADER

from alembic_zdm.lint import api
from alembic_zdm.lint.settings import LintSettings
from alembic_zdm.lint.target import Target

TARGETS = [Target.parse(t) for t in ("postgresql>=12", "postgresql>=10", "mysql>=8.0", "sqlite")]
OPS = [
    "create_index",
    "drop_index",
    "add_column",
    "drop_column",
    "alter_column",
    "create_table",
    "drop_table",
    "rename_table",
    "create_foreign_key",
    "create_check_constraint",
    "create_unique_constraint",
    "drop_constraint",
    "execute",
    "bulk_insert",
    "add_index_concurrently",
    "safe_rename_column",
    "backfill",
    "validate_backfill",
    "batch_alter_table",
    "get_bind",
    "f",
]
ATOMS = st.sampled_from(
    [
        '"users"',
        '"email"',
        '["a", "b"]',
        "None",
        "True",
        "False",
        "1",
        "x",
        'sa.Column("c", sa.Integer(), nullable=False)',
        'sa.text("now()")',
        "sa.String(5)",
        '"CREATE INDEX i ON t (c)"',
        '"ALTER TABLE t ADD COLUMN"',
        "*args",
        "**kw",
        'f"UPDATE {t} SET a = 1"',
        "lambda: 1",
        "[op.drop_table(t) for t in ts]",
        "sa.Enum('a', name='e')",
    ]
)
KWARGS = st.sampled_from(
    [
        "nullable",
        "type_",
        "existing_type",
        "server_default",
        "unique",
        "postgresql_concurrently",
        "new_column_name",
        "table_name",
        "if_exists",
        "default",
        "sqltext",
    ]
)
PHASES = st.sampled_from(
    ["upgrade", "downgrade", "expand", "migrate", "contract", "undo_expand", "helper"]
)


@st.composite
def op_calls(draw: st.DrawFn) -> str:
    args = draw(st.lists(ATOMS, max_size=4))
    kwargs = [f"{k}={draw(ATOMS)}" for k in draw(st.lists(KWARGS, max_size=3, unique=True))]
    call = f"op.{draw(st.sampled_from(OPS))}({', '.join(args + kwargs)})"
    wrapper = draw(
        st.sampled_from(
            [
                "{}",
                "with op.get_context().autocommit_block():\n        {}",
                'with op.batch_alter_table("t") as batch_op:\n        batch_{}',
                "for t in ts:\n        {}",
            ]
        )
    )
    return wrapper.format(call)


@st.composite
def revisions(draw: st.DrawFn) -> str:
    functions = []
    for phase in draw(st.lists(PHASES, min_size=1, max_size=4, unique=True)):
        body = "\n    ".join(draw(st.lists(op_calls(), min_size=1, max_size=5)))
        functions.append(f"def {phase}() -> None:\n    {body}\n")
    return HEADER + "\n\n".join(functions)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(revisions(), st.sampled_from(TARGETS))
def test_random_revisions_never_crash(source: str, target: Target) -> None:
    findings = api.lint_source(source, "r.py", LintSettings(target=target))
    assert all(f.line >= 1 and f.col >= 1 and f.rule.startswith("ZDM") for f in findings)


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=300), st.sampled_from(TARGETS))
def test_random_text_as_python_never_crashes(text: str, target: Target) -> None:
    findings = api.lint_source(text, "r.py", LintSettings(target=target))
    assert all(f.rule in ("ZDM005", "ZDM004", "ZDM901", "ZDM902") or f.line >= 1 for f in findings)


SQL_WORDS = st.sampled_from(
    [
        "CREATE",
        "INDEX",
        "CONCURRENTLY",
        "ON",
        "t",
        "(c)",
        "ALTER",
        "TABLE",
        "ADD",
        "COLUMN",
        "DROP",
        "NOT",
        "NULL",
        "VALID",
        "CONSTRAINT",
        "CHECK",
        "(c > 0)",
        "UPDATE",
        "SET",
        "c = 1",
        "BEGIN",
        "COMMIT",
        ";",
        "'x;y'",
        "$$",
        "--",
        "RENAME",
        "TO",
        "TYPE",
        "ENUM",
        "ALGORITHM=COPY",
        ",",
        "UNIQUE",
        "USING",
        "DEFAULT",
        "random()",
    ]
)


@settings(max_examples=200, deadline=None)
@given(st.lists(SQL_WORDS, max_size=30).map(" ".join), st.sampled_from(TARGETS))
def test_random_sql_never_crashes(sql: str, target: Target) -> None:
    findings = api.lint_source(sql, "s.sql", LintSettings(target=target), sql=True)
    assert all(f.line >= 1 for f in findings)


@settings(max_examples=100, deadline=None)
@given(st.text(alphabet=st.characters(blacklist_categories=("Cs",)), min_size=1, max_size=200))
def test_malformed_python_is_reported_as_zdm005(garbage: str) -> None:
    source = 'revision = "x"\ndef upgrade(:\n' + garbage
    result = api.LintResult(api.lint_source(source, "r.py"), 1)
    assert result.exit_code == 2
    assert [f.rule for f in result.findings] == ["ZDM005"]
    assert result.findings[0].message.startswith("Python syntax error")


# Shapes of the hostile files that once stopped a whole directory's run.
HOSTILE = {
    "30,000-term string concatenation": "def upgrade() -> None:\n    op.execute("
    + " + ".join(['"x"'] * 30_000)
    + ")\n",
    "2,000-term string concatenation": "def upgrade() -> None:\n    op.execute("
    + " + ".join(['"UPDATE users SET a = 1 "'] + ['"-- x\\n"'] * 1_999)
    + ")\n",
    "lone surrogate in SQL text": 'def upgrade() -> None:\n    op.execute("\\ud800 ALTER TABLE users ADD COLUMN a text")\n',
    "1,900 chained %": 'def upgrade() -> None:\n    op.execute("UPDATE t SET a = %s" '
    + "% x " * 1_900
    + ")\n",
    "1,900 chained not": "def upgrade() -> None:\n    if "
    + "not " * 1_900
    + "x:\n        op.execute('SELECT 1')\n",
    "lone surrogate in a name": 'def upgrade() -> None:\n    op.create_index("ix_\\ud800", "users\\udcff", ["a"])\n',
}


def test_hostile_files_become_findings_and_the_run_goes_on(tmp_path: Path) -> None:
    folder = tmp_path / "versions"
    folder.mkdir()
    for i, source in enumerate(HOSTILE.values()):
        (folder / f"r{i}.py").write_text(HEADER + source, encoding="utf-8", errors="surrogatepass")
    (folder / "r9_good.py").write_text(
        HEADER + 'def upgrade() -> None:\n    op.create_index("ix_a", "users", ["a"])\n',
        encoding="utf-8",
    )
    for target in TARGETS:
        result = api.lint(
            api.LintOptions(paths=[folder], root=tmp_path, jobs=1), LintSettings(target=target)
        )
        by_file: dict[str, list[str]] = {}
        for f in result.findings:
            by_file.setdefault(f.path, []).append(f.rule)
        # Python itself cannot build the AST of the first file: that is a malformed file
        assert "ZDM005" in by_file["versions/r0.py"]
        # the 2,000-term SQL is read (a data change), never a crash
        assert "ZDM005" not in by_file.get("versions/r1.py", [])
        # a lone surrogate is not encodable: the SQL is reported unread, the file is not a crash
        assert by_file.get("versions/r2.py", []) and "ZDM005" not in by_file["versions/r2.py"]
        for deep in ("versions/r3.py", "versions/r4.py", "versions/r5.py"):
            assert "ZDM005" not in by_file.get(deep, []), deep
        if target.is_postgresql:
            assert "ZDM101" in by_file["versions/r9_good.py"], "the other files were still linted"


def test_an_internal_failure_is_one_finding_for_that_file(monkeypatch: pytest.MonkeyPatch) -> None:
    from alembic_zdm.lint.extract import python

    def boom(self: object) -> None:
        raise KeyError("surprise")

    monkeypatch.setattr(python.PythonExtractor, "run", boom)
    findings = api.lint_source(HEADER + "def upgrade() -> None:\n    pass\n", "r.py")
    assert [(f.rule, f.line) for f in findings] == [("ZDM005", 1)]
    assert "KeyError: 'surprise'" in findings[0].message
