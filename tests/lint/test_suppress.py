"""Suppression comments: scope, reasons, unused ones."""

from __future__ import annotations

from lintcase import HEADER, lint_code


def rules_at(source: str, target: str = "postgresql>=12") -> list[tuple[int, str]]:
    return [(f.line, f.rule) for f in lint_code(HEADER + source, target=target, ignore=("ZDM004",))]


def test_suppression_covers_every_line_of_a_multi_line_call() -> None:
    source = '''def upgrade() -> None:
    op.execute(  # zdm: ignore[ZDM101,ZDM123] lookup table with 20 rows
        """
        CREATE INDEX ix_plans_name ON plans (name);
        """
    )
'''
    assert rules_at(source) == []


def test_suppression_on_another_statement_does_not_apply() -> None:
    source = """def upgrade() -> None:
    op.execute("SET LOCAL lock_timeout = '1s'")  # zdm: ignore[ZDM101] wrong line
    op.create_index("ix_plans_name", "plans", ["name"])
"""
    assert rules_at(source) == [(9, "ZDM902"), (10, "ZDM101")]


def test_reasonless_suppression_still_suppresses_but_is_reported() -> None:
    source = """def upgrade() -> None:
    op.execute("SET LOCAL lock_timeout = '1s'")
    op.create_index("ix_plans_name", "plans", ["name"])  # zdm: ignore[ZDM101]
"""
    findings = lint_code(HEADER + source, ignore=("ZDM004",))
    assert [(f.line, f.rule, f.message) for f in findings] == [
        (10, "ZDM901", "suppression of ZDM101 gives no reason")
    ]


def test_meta_rules_can_be_ignored_and_follow_severity() -> None:
    source = 'def upgrade() -> None:\n    op.add_index_concurrently("i", "t", ["c"])  # zdm: ignore[ZDM999] typo\n'
    assert [f.rule for f in lint_code(HEADER + source, ignore=("ZDM004",))] == ["ZDM902"]
    assert lint_code(HEADER + source, select=("ZDM1", "ZDM2")) == []
    info = lint_code(HEADER + source, ignore=("ZDM004",), select=("ALL",))
    assert info[0].severity.label == "warning"


def test_sql_script_suppression() -> None:
    findings = lint_code(
        "CREATE INDEX ix ON t (c);  -- zdm: ignore[ZDM101,ZDM123,ZDM127] tiny table\n", sql=True
    )
    assert findings == []
