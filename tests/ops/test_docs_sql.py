"""Every SQL block of ``docs/ops/*.md`` is what the op really emits (docs stay fresh)."""

from __future__ import annotations

from pathlib import Path

import pytest

from .doc_scenarios import SCENARIOS, block

DOCS = Path(__file__).resolve().parents[2] / "docs" / "ops"


@pytest.mark.parametrize(
    ("page", "label", "fn"), SCENARIOS, ids=[f"{p}-{lbl}" for p, lbl, _ in SCENARIOS]
)
def test_page_shows_the_emitted_sql(page: str, label: str, fn) -> None:
    text = (DOCS / f"{page}.md").read_text()
    assert f"```sql\n{block(fn())}\n```" in text, f"regenerate the {label!r} block of {page}.md"
