"""``--statistics``: how many findings each rule produced, most frequent first (like ruff)."""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Mapping, Sequence

from ..model import Finding
from ..registry import Rule


def counts(findings: Sequence[Finding]) -> list[tuple[str, int]]:
    """``(rule id, count)``, most frequent first, then by id."""
    counter = Counter(f.rule for f in findings)
    return sorted(counter.items(), key=lambda item: (-item[1], item[0]))


def render(findings: Sequence[Finding], files: int, rules: Mapping[str, Rule], fmt: str) -> str:
    """A table (``text``) or a JSON list (``json``) of counts per rule."""
    rows = counts(findings)
    if fmt == "json":
        data = [
            {
                "code": rule_id,
                "name": rules[rule_id].name if rule_id in rules else "",
                "count": count,
                "severity": next(f.severity.label for f in findings if f.rule == rule_id),
            }
            for rule_id, count in rows
        ]
        return json.dumps(data, indent=2) + "\n"
    width = max((len(str(count)) for _, count in rows), default=1)
    lines = []
    for rule_id, count in rows:
        rule = rules.get(rule_id)
        severity = next(f.severity.label for f in findings if f.rule == rule_id)
        name = rule.name if rule else ""
        lines.append(f"{count:>{width}}\t{rule_id}\t{name} ({severity})")
    noun = "file" if files == 1 else "files"
    total = len(findings)
    lines.append(f"Found {total} finding{'s' if total != 1 else ''} in {files} {noun}.")
    return "\n".join(lines) + "\n"
