"""Machine-readable output: one object with the findings and a summary."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence

from ..model import Finding
from ..registry import Rule


def render(findings: Sequence[Finding], files: int, rules: Mapping[str, Rule]) -> str:
    """``{"findings": [...], "summary": {...}}``, keys stable."""
    items = [
        {
            "path": f.path,
            "line": f.line,
            "column": f.col,
            "rule": f.rule,
            "name": rules[f.rule].name if f.rule in rules else f.rule,
            "severity": f.severity.label,
            "message": f.message,
            "help": f.help,
        }
        for f in findings
    ]
    summary = {"files": files, "findings": len(findings)}
    return json.dumps({"findings": items, "summary": summary}, indent=2) + "\n"
