"""SARIF 2.1.0, for GitHub code scanning and other viewers."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import Any

from ... import __version__
from ..model import Finding, Severity
from ..registry import Rule

SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
_LEVEL = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.INFO: "note"}


def _rule(rule: Rule) -> dict[str, Any]:
    return {
        "id": rule.id,
        "name": rule.name,
        "shortDescription": {"text": rule.summary},
        "fullDescription": {"text": rule.summary},
        "help": {"text": rule.doc, "markdown": rule.doc},
        "defaultConfiguration": {"level": _LEVEL[rule.severity]},
        "properties": {"tags": [rule.family]},
    }


def _result(f: Finding, index: dict[str, int]) -> dict[str, Any]:
    text = f"{f.message}\nhelp: {f.help}" if f.help else f.message
    result: dict[str, Any] = {
        "ruleId": f.rule,
        "level": _LEVEL[f.severity],
        "message": {"text": text},
        "locations": [
            {
                "physicalLocation": {
                    "artifactLocation": {"uri": f.path.replace("\\", "/")},
                    "region": {"startLine": max(f.line, 1), "startColumn": max(f.col, 1)},
                }
            }
        ],
    }
    if f.rule in index:
        result["ruleIndex"] = index[f.rule]
    return result


def render(findings: Sequence[Finding], files: int, rules: Mapping[str, Rule]) -> str:
    """One run, the full rule table, one result per finding."""
    ordered = list(rules.values())
    index = {rule.id: i for i, rule in enumerate(ordered)}
    log = {
        "$schema": SCHEMA,
        "version": "2.1.0",
        "runs": [
            {
                "tool": {
                    "driver": {
                        "name": "alembic-zdm",
                        "version": __version__,
                        "rules": [_rule(r) for r in ordered],
                    }
                },
                "results": [_result(f, index) for f in findings],
                "columnKind": "unicodeCodePoints",
            }
        ],
    }
    return json.dumps(log, indent=2) + "\n"
