"""Shared by the linter tests: read rule fixtures, lint a snippet."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from alembic_zdm.lint import api
from alembic_zdm.lint.model import Finding
from alembic_zdm.lint.settings import LintSettings
from alembic_zdm.lint.target import Target

HERE = Path(__file__).parent
FIXTURES = HERE / "fixtures"
SNAPSHOTS = HERE / "snapshots"
CORPUS = HERE / "corpus"
HEADER = 'from alembic import op\nimport sqlalchemy as sa\n\nrevision = "a1b2c3d4e5f6"\ndown_revision = "0f0e0d0c0b0a"\n\n\n'
HEADER_LINES = HEADER.count("\n")
_MARKER = re.compile(r"(?:#|--) (!+)\s*$")


@dataclass
class Case:
    """One snippet of a rule fixture."""

    rule: str
    name: str
    source: str
    sql: bool
    target: str
    expected: list[int]

    @property
    def offset(self) -> int:
        return 0 if self.sql else HEADER_LINES


def load_cases(path: Path) -> list[Case]:
    data: dict[str, Any] = yaml.safe_load(path.read_text(encoding="utf-8"))
    cases = []
    for raw in data["cases"]:
        sql = "sql" in raw
        code = raw["sql"] if sql else raw["code"]
        expected = list(raw["expect"]) if "expect" in raw else _markers(code)
        source = code if sql else HEADER + code
        cases.append(
            Case(
                data["rule"],
                raw["name"],
                source,
                sql,
                raw.get("target", "postgresql>=12"),
                expected,
            )
        )
    return cases


def _markers(code: str) -> list[int]:
    lines = []
    for number, text in enumerate(code.splitlines(), start=1):
        match = _MARKER.search(text)
        if match:
            lines.extend([number] * len(match.group(1)))
    return lines


def lint_case(case: Case, select: tuple[str, ...] | None = None) -> list[Finding]:
    default = ("ALL",) if case.rule.startswith("ZDM9") else (case.rule,)
    settings = LintSettings(target=Target.parse(case.target), select=select or default)
    return api.lint_source(
        case.source, "revision.py" if not case.sql else "script.sql", settings, sql=case.sql
    )


def lint_code(
    source: str,
    target: str = "postgresql>=12",
    select: tuple[str, ...] = ("ALL",),
    sql: bool = False,
    ignore: tuple[str, ...] = (),
) -> list[Finding]:
    """Findings of a complete revision source."""
    settings = LintSettings(target=Target.parse(target), select=select, ignore=ignore)
    return api.lint_source(source, "revision.py", settings, sql=sql)
