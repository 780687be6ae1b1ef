"""MkDocs hook: complete the site's navigation from the files in ``docs/``.

``mkdocs.yml`` lists the main pages in reading order. This hook adds every page of
``docs/ops/`` under "Safe operations" and of ``docs/rules/`` under "Lint rules"
(generated pages, one per rule), and any other page of ``docs/`` that the list
does not name under "More", so a new page can never be left out of the site.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

SECTIONS = {"ops": "Safe operations", "rules": "Lint rules"}
"""Folder of ``docs/`` -> the nav section that lists all its pages."""
INDEX = {"ops": "ops/index.md", "rules": "rules/README.md"}
"""The page that introduces each section (first in it)."""


def _named(nav: Any) -> set[str]:
    """Every page path the nav names (nested sections included)."""
    found: set[str] = set()
    for item in nav or []:
        value = next(iter(item.values())) if isinstance(item, dict) else item
        if isinstance(value, list):
            found |= _named(value)
        elif isinstance(value, str):
            found.add(value)
    return found


def on_config(config: Any) -> Any:
    """Expand the ``ops`` / ``rules`` entries and append pages the nav does not name."""
    docs = Path(config["docs_dir"])
    nav: list[Any] = []
    for item in config["nav"] or []:
        target = next(iter(item.values())) if isinstance(item, dict) else item
        folder = target.split("/", 1)[0] if isinstance(target, str) else None
        if folder in SECTIONS and target == INDEX[folder]:
            pages = sorted(p.relative_to(docs).as_posix() for p in (docs / folder).glob("*.md"))
            nav.append({SECTIONS[folder]: [INDEX[folder], *(p for p in pages if p != target)]})
        else:
            nav.append(item)
    named = _named(nav)
    extra = sorted(
        p.relative_to(docs).as_posix()
        for p in docs.glob("*.md")
        if p.relative_to(docs).as_posix() not in named
    )
    if extra:
        nav.append({"More": extra})
    config["nav"] = nav
    return config


OPERATIONS_MARKER = (
    "<!-- operations: filled in by tools/mkdocs_nav.py from the registered operations -->"
)
_REGISTERED = r'@Operations\.register_operation\("(\w+)"[^)]*\)\s*\nclass (\w+)'


def operation_paths(package: Path) -> list[tuple[str, str]]:
    """``(name, dotted path of its classmethod)`` of every ``op.*`` in ``alembic_zdm/ops``."""
    import re

    found = []
    for module in sorted((package / "ops").glob("*.py")):
        for match in re.finditer(_REGISTERED, module.read_text()):
            name, cls = match.groups()
            found.append((name, f"alembic_zdm.ops.{module.stem}.{cls}.{name}"))
    return sorted(found)


def on_page_markdown(markdown: str, page: Any, config: Any, files: Any) -> str:
    """Put one reference entry per registered operation into the API page."""
    if OPERATIONS_MARKER not in markdown:
        return markdown
    package = Path(config["config_file_path"]).parent / "alembic_zdm"
    blocks = [
        f"### `op.{name}`\n\n::: {path}\n    options:\n      show_root_heading: false\n"
        for name, path in operation_paths(package)
    ]
    return markdown.replace(OPERATIONS_MARKER, "\n".join(blocks))
