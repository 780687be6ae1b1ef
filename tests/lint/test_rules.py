"""Every rule against its fixture file: exact lines of the findings, per case."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from lintcase import FIXTURES, SNAPSHOTS, Case, lint_case, load_cases

from alembic_zdm.lint.registry import all_rules
from alembic_zdm.lint.report import text

CASES = [case for path in sorted(FIXTURES.glob("ZDM*.yml")) for case in load_cases(path)]


@pytest.mark.parametrize("case", CASES, ids=[f"{c.rule}-{c.name}" for c in CASES])
def test_fixture_case(case: Case) -> None:
    findings = [f for f in lint_case(case) if f.rule == case.rule]
    assert sorted(f.line - case.offset for f in findings) == case.expected, [
        text.finding(f) for f in findings
    ]


@pytest.mark.parametrize("rule_id", list(all_rules()))
def test_text_snapshot(rule_id: str) -> None:
    """The rendered text of the rule's first failing case (``ZDM_UPDATE_SNAPSHOTS=1`` rewrites)."""
    case = next(c for c in load_cases(FIXTURES / f"{rule_id}.yml") if c.expected)
    findings = [f for f in lint_case(case) if f.rule == rule_id]
    rendered = "".join(text.finding(f) + "\n" for f in findings)
    snapshot = SNAPSHOTS / f"{rule_id}.txt"
    if os.environ.get("ZDM_UPDATE_SNAPSHOTS"):
        snapshot.write_text(rendered, encoding="utf-8")
    assert rendered == Path(snapshot).read_text(encoding="utf-8")
