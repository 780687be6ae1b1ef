"""Rule documentation: the pages in ``docs/rules/`` and ``alembic-zdm rule``, from the docstrings.

``python -m alembic_zdm.lint.docs`` rewrites ``docs/rules/``; ``--check`` exits 1 if
the committed pages are stale.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Iterable, Sequence
from pathlib import Path

from .registry import Rule, all_rules

_DIALECT_NAMES = {
    "postgresql": "PostgreSQL",
    "mysql": "MySQL",
    "mariadb": "MariaDB",
    "sqlite": "SQLite",
}
DEFAULT_OUT = Path(__file__).resolve().parents[2] / "docs" / "rules"


def _dialects(rule: Rule) -> str:
    return ", ".join(_DIALECT_NAMES[d] for d in _DIALECT_NAMES if d in rule.dialects)


def _default(rule: Rule) -> str:
    if rule.default:
        return "yes"
    return f'no; turn it on by naming it: `select = ["ALL", "{rule.id}"]`'


def rule_page(rule: Rule) -> str:
    """Markdown page of one rule (what ``alembic-zdm rule ZDM101`` prints)."""
    body = rule.doc.split("\n", 1)[1].strip() if "\n" in rule.doc else ""
    header = [
        f"# {rule.id} {rule.name}",
        "",
        f"{rule.summary}",
        "",
        f"- **Family:** {rule.family}",
        f"- **Default severity:** {rule.severity.label}",
        f"- **Databases:** {_dialects(rule)}",
        f"- **Checks `downgrade()` / `undo_*()`:** {'yes' if rule.undo else 'no'}",
        f"- **In the default set:** {_default(rule)}",
        f"- **Suppress with:** `# zdm: ignore[{rule.id}] <reason>`",
        "",
    ]
    return "\n".join(header) + "\n" + body + "\n"


def rule_table(rules: Iterable[Rule]) -> str:
    """Plain-text list of rules: id, name, severity, summary."""
    lines = [f"{r.id}  {r.name:<40} {r.severity.label:<8} {r.summary}" for r in rules]
    return "\n".join(lines) + "\n"


def index_page(rules: Iterable[Rule]) -> str:
    """``docs/rules/README.md``: the table of every rule."""
    lines = [
        "# Lint rules",
        "",
        "Generated from the rule docstrings by `python -m alembic_zdm.lint.docs`; do not edit by hand.",
        "*Default*: in the default set, or on only when named in `select`; *Undo*: whether"
        " the rule also checks `downgrade()` and `undo_*()` (see [Defaults](../lint.md#defaults)).",
        "",
        "| ID | Name | Severity | Databases | Default | Undo | Flags |",
        "| --- | --- | --- | --- | --- | --- | --- |",
    ]
    for r in rules:
        summary = r.summary.replace("|", "\\|")
        undo = "yes" if r.undo else "no"
        on = "on" if r.default else "opt-in"
        lines.append(
            f"| [{r.id}]({r.id}.md) | `{r.name}` | {r.severity.label} | {_dialects(r)} | {on} "
            f"| {undo} | {summary} |"
        )
    return "\n".join(lines) + "\n"


def pages() -> dict[str, str]:
    """File name → content of every generated page."""
    rules = all_rules()
    result = {f"{r.id}.md": rule_page(r) for r in rules.values()}
    result["README.md"] = index_page(rules.values())
    return result


def stale(out: Path) -> list[str]:
    """Names of pages in *out* that are missing, different, or no longer generated."""
    expected = pages()
    names = [
        n
        for n, text in expected.items()
        if not (out / n).is_file() or (out / n).read_text(encoding="utf-8") != text
    ]
    extra = [p.name for p in out.glob("*.md") if p.name not in expected] if out.is_dir() else []
    return sorted(names + extra)


def write(out: Path) -> None:
    """Write every page to *out* and remove pages of rules that no longer exist."""
    out.mkdir(parents=True, exist_ok=True)
    expected = pages()
    for path in out.glob("*.md"):
        if path.name not in expected:
            path.unlink()
    for name, text in expected.items():
        (out / name).write_text(text, encoding="utf-8")


def main(argv: Sequence[str] | None = None) -> int:
    """Command line: write the pages, or ``--check`` that they are fresh."""
    parser = argparse.ArgumentParser(prog="python -m alembic_zdm.lint.docs")
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT)
    parser.add_argument("--check", action="store_true", help="exit 1 if the pages are stale")
    args = parser.parse_args(argv)
    if args.check:
        names = stale(args.out)
        if names:
            print(
                f"stale rule pages in {args.out}: {', '.join(names)}; run python -m alembic_zdm.lint.docs",
                file=sys.stderr,
            )
            return 1
        return 0
    write(args.out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
