"""``# zdm: ignore[ZDM101] reason`` comments (``-- zdm: ignore[...]`` in SQL scripts).

A comment suppresses the listed rules for findings whose statement spans its line
(so it may sit on any line of a multi-line ``op.execute(...)`` call). A
comment without a reason still suppresses but is reported as ZDM901; a rule id
that suppressed nothing is reported as ZDM902.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Collection

from .model import Finding

_COMMENT = re.compile(r"(?:#|--)\s*zdm:\s*ignore\[([^\]]*)\](.*)$", re.IGNORECASE)
REASONLESS = "ZDM901"
UNUSED = "ZDM902"


@dataclasses.dataclass(frozen=True, slots=True)
class Suppression:
    """One suppression comment."""

    line: int
    col: int
    ids: tuple[str, ...]
    reason: str


def parse(source: str) -> list[Suppression]:
    """Every suppression comment of *source* (cheap when there is none)."""
    if "zdm:" not in source and "ZDM:" not in source:
        return []
    result = []
    for number, text in enumerate(source.splitlines(), start=1):
        match = _COMMENT.search(text)
        if match:
            ids = tuple(p.strip().upper() for p in match.group(1).split(",") if p.strip())
            reason = match.group(2).strip().lstrip(":-—").strip()
            result.append(Suppression(number, match.start() + 1, ids, reason))
    return result


def apply(
    path: str,
    findings: list[Finding],
    suppressions: list[Suppression],
    active: Collection[str],
    known: Collection[str],
) -> list[Finding]:
    """Drop suppressed findings and add the meta findings about the comments themselves."""
    if not suppressions:
        return findings
    used: set[tuple[int, str]] = set()
    kept = []
    for finding in findings:
        low = min(finding.span[0] or finding.line, finding.line)
        high = max(finding.span[1], finding.line)
        index = next(
            (
                i
                for i, s in enumerate(suppressions)
                if low <= s.line <= high and finding.rule in s.ids
            ),
            None,
        )
        if index is None:
            kept.append(finding)
        else:
            used.add((index, finding.rule))
    for index, supp in enumerate(suppressions):
        span = (supp.line, supp.line)
        if not supp.reason:
            kept.append(
                Finding(
                    path,
                    supp.line,
                    supp.col,
                    REASONLESS,
                    f"suppression of {', '.join(supp.ids) or 'nothing'} gives no reason",
                    f"# zdm: ignore[{','.join(supp.ids)}] <why this is safe here>",
                    span=span,
                )
            )
        for rule_id in supp.ids:
            if rule_id not in known:
                kept.append(
                    Finding(
                        path,
                        supp.line,
                        supp.col,
                        UNUSED,
                        f"suppression names unknown rule {rule_id}",
                        "see 'alembic-zdm rule --list' for the rule ids",
                        span=span,
                    )
                )
            elif rule_id in active and (index, rule_id) not in used:
                kept.append(
                    Finding(
                        path,
                        supp.line,
                        supp.col,
                        UNUSED,
                        f"suppression of {rule_id} is unused: no {rule_id} finding here",
                        "remove the comment",
                        span=span,
                    )
                )
    return kept
