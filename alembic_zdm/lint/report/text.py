"""``path:line:col: ZDM101 message`` and a ``help:`` line with the safe code."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from ..model import Finding, Severity
from ..registry import Rule


def finding(f: Finding) -> str:
    """One finding, two lines (one if it has no help)."""
    line = f"{f.path}:{f.line}:{f.col}: {f.rule} {f.message}"
    return f"{line}\n  help: {f.help}" if f.help else line


def render(findings: Sequence[Finding], files: int, rules: Mapping[str, Rule]) -> str:
    """All findings, then a summary line."""
    lines = [finding(f) for f in findings]
    noun = "file" if files == 1 else "files"
    if not findings:
        lines.append(f"All checks passed ({files} {noun}).")
    else:
        counts = {s: sum(1 for f in findings if f.severity is s) for s in Severity}
        parts = [
            f"{n} {s.label}{'s' if n != 1 else ''}"
            for s, n in sorted(counts.items(), reverse=True)
            if n
        ]
        touched = len({f.path for f in findings})
        lines.append(
            f"Found {len(findings)} finding{'s' if len(findings) != 1 else ''} ({', '.join(parts)}) in {touched} of {files} {noun}."
        )
    return "\n".join(lines) + "\n"
