"""Output formats: ``text`` (default), ``json``, ``github`` (workflow annotations), ``sarif`` (2.1.0)."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence

from ..model import Finding
from ..registry import Rule
from . import github, json_format, sarif, text

Renderer = Callable[[Sequence[Finding], int, Mapping[str, Rule]], str]

FORMATS: dict[str, Renderer] = {
    "text": text.render,
    "json": json_format.render,
    "github": github.render,
    "sarif": sarif.render,
}


def render(fmt: str, findings: Sequence[Finding], files: int, rules: Mapping[str, Rule]) -> str:
    """Render *findings* of a run over *files* files in format *fmt*."""
    return FORMATS[fmt](findings, files, rules)
