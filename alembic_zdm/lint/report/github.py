"""GitHub Actions workflow commands: ``::error file=…,line=…,col=…,title=…::message``."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from ..model import Finding, Severity
from ..registry import Rule

_LEVEL = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.INFO: "notice"}


def _data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _prop(text: str) -> str:
    return _data(text).replace(":", "%3A").replace(",", "%2C")


def render(findings: Sequence[Finding], files: int, rules: Mapping[str, Rule]) -> str:
    """One annotation per finding; the help line goes into the message body."""
    lines = []
    for f in findings:
        name = rules[f.rule].name if f.rule in rules else f.rule
        props = f"file={_prop(f.path)},line={f.line},col={f.col},title={_prop(f'{f.rule} {name}')}"
        body = f"{f.message}\nhelp: {f.help}" if f.help else f.message
        lines.append(f"::{_LEVEL[f.severity]} {props}::{_data(body)}")
    return "\n".join(lines) + ("\n" if lines else "")
