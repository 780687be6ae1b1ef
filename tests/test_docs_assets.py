"""Every file a documentation page links to is committed.

``make bench`` writes its plots into ``docs/benchmarks/``; a plot that is linked but not
committed builds on the machine that ran the bench and fails ``mkdocs build --strict`` on
a fresh clone, which is where CI builds the docs.
"""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
DOCS = ROOT / "docs"
LINK = re.compile(r"\]\(([^)\s#]+)\)")


def _tracked() -> set[Path]:
    done = subprocess.run(
        ["git", "ls-files", "-z", "docs"], cwd=ROOT, capture_output=True, check=False
    )
    if done.returncode != 0:
        pytest.skip("not a git checkout: nothing tells a committed file from a local one")
    return {(ROOT / name).resolve() for name in done.stdout.decode().split("\0") if name}


def test_every_linked_file_of_the_docs_is_committed() -> None:
    tracked = _tracked()
    missing = []
    for page in sorted(DOCS.rglob("*.md")):
        for target in LINK.findall(page.read_text(encoding="utf-8")):
            if "://" in target or target.startswith("mailto:"):
                continue
            path = (page.parent / target).resolve()
            if DOCS in path.parents and path.suffix != ".md" and path not in tracked:
                missing.append(f"{page.relative_to(ROOT)} -> {target}")
    assert missing == [], "linked from the docs but not committed (git add them): " + ", ".join(
        missing
    )
