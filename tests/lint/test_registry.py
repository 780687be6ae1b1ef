"""Registry invariants: ids, names, docstrings, fixtures, snapshots, docs pages."""

from __future__ import annotations

import re
import sys

import pytest
from lintcase import FIXTURES, SNAPSHOTS, load_cases

from alembic_zdm.lint import docs
from alembic_zdm.lint.model import Severity
from alembic_zdm.lint.registry import SECTIONS, all_rules, rule

RULES = all_rules()
FIRST_RELEASE = (
    "ZDM001 ZDM002 ZDM003 ZDM004 ZDM005 ZDM101 ZDM102 ZDM103 ZDM105 ZDM108 ZDM109 ZDM111 ZDM112 "
    "ZDM113 ZDM114 ZDM123 ZDM127 ZDM128 ZDM130 ZDM131 ZDM201 ZDM202 ZDM204 ZDM205 ZDM207 ZDM209 "
    "ZDM211 ZDM213"
).split()
LATER = "ZDM104 ZDM106 ZDM110 ZDM107 ZDM116 ZDM117 ZDM118 ZDM119 ZDM120 ZDM121 ZDM125 ZDM129 ZDM203 ZDM206 ZDM208 ZDM212 ZDM302 ZDM303 ZDM304 ZDM305".split()
"""Catalogue rules (RULES.md) added after the first release."""


def test_first_release_rules_are_all_there() -> None:
    assert set(FIRST_RELEASE) <= set(RULES)
    assert set(RULES) - set(FIRST_RELEASE) == {"ZDM901", "ZDM902", "ZDM903", *LATER}


def test_ids_and_names_are_unique_and_well_formed() -> None:
    names = [r.name for r in RULES.values()]
    assert len(set(names)) == len(names)
    for rule_id, r in RULES.items():
        assert re.fullmatch(r"ZDM\d{3}", rule_id)
        assert re.fullmatch(r"[a-z0-9]+(-[a-z0-9]+)*", r.name)
        assert not r.name.startswith(("ban-", "prefer-"))
        module = sys.modules[r.check.__module__]
        assert module.__name__.rsplit(".", 1)[1] == r.name.replace("-", "_")
        assert r.family in ("phases", "locking", "compat", "hygiene", "meta")


def test_duplicate_registration_is_an_error() -> None:
    with pytest.raises(RuntimeError, match="ZDM101 registered twice"):
        rule("ZDM101", "again", severity=Severity.ERROR)(lambda rev, target: iter(()))


@pytest.mark.parametrize("rule_id", list(RULES))
def test_docstring_has_every_section(rule_id: str) -> None:
    doc = RULES[rule_id].doc
    assert doc.startswith(f"{rule_id} {RULES[rule_id].name}: ")
    positions = [doc.index(section) for section in SECTIONS]
    assert positions == sorted(positions)
    assert "```" in doc.split("## Example")[1]
    assert "```" in doc.split("## Use instead")[1]


@pytest.mark.parametrize("rule_id", list(RULES))
def test_fixture_has_failing_and_passing_cases(rule_id: str) -> None:
    cases = load_cases(FIXTURES / f"{rule_id}.yml")
    assert all(c.rule == rule_id for c in cases)
    assert any(c.expected for c in cases), "needs a snippet that triggers the rule"
    assert any(not c.expected for c in cases), "needs a snippet that must not trigger the rule"
    assert (SNAPSHOTS / f"{rule_id}.txt").read_text(encoding="utf-8").count(rule_id) >= 1


def test_no_fixture_without_rule() -> None:
    assert sorted(p.stem for p in FIXTURES.glob("*.yml")) == sorted(RULES)


def test_committed_rule_docs_are_fresh() -> None:
    assert docs.stale(docs.DEFAULT_OUT) == []
    assert docs.main(["--check"]) == 0


def test_stale_docs_are_detected(tmp_path: object) -> None:
    from pathlib import Path

    out = Path(str(tmp_path))
    docs.write(out)
    (out / "ZDM101.md").write_text("old\n", encoding="utf-8")
    (out / "ZDM999.md").write_text("gone\n", encoding="utf-8")
    assert docs.stale(out) == ["ZDM101.md", "ZDM999.md"]
    assert docs.main(["--check", "--out", str(out)]) == 1
