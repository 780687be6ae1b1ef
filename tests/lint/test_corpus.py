"""The corpus: realistic revisions with hand-reviewed expected findings; precision and recall must be 1.0."""

from __future__ import annotations

from pathlib import Path

import yaml
from lintcase import CORPUS

from alembic_zdm.lint import api
from alembic_zdm.lint.settings import LintSettings
from alembic_zdm.lint.target import Target

EXPECTED = yaml.safe_load((CORPUS / "expected.yml").read_text(encoding="utf-8"))


def _found() -> set[tuple[str, str]]:
    found = set()
    for folder, target in EXPECTED["targets"].items():
        settings = LintSettings(target=Target.parse(target))
        for path in sorted((CORPUS / folder).glob("*.py")):
            for f in api.lint_source(path.read_text(encoding="utf-8"), path.name, settings):
                found.add((f"{folder}/{path.name}", f"{f.line}:{f.col} {f.rule}"))
    return found


def test_corpus_is_big_enough() -> None:
    files = EXPECTED["files"]
    safe = [name for name in files if Path(name).name.split("_", 1)[1].startswith("s")]
    assert len(files) >= 40
    assert len(safe) >= 12
    assert all(files[name] == [] for name in safe), "safe corpus files must have no findings"
    assert sorted(files) == sorted(f"{p.parent.name}/{p.name}" for p in CORPUS.glob("*/*.py"))


def test_precision_and_recall_are_one() -> None:
    expected = {(name, item) for name, items in EXPECTED["files"].items() for item in items}
    found = _found()
    true_positives = len(found & expected)
    precision = true_positives / len(found) if found else 1.0
    recall = true_positives / len(expected) if expected else 1.0
    assert (precision, recall) == (1.0, 1.0), {
        "unexpected": sorted(found - expected),
        "missed": sorted(expected - found),
    }


def test_every_unsafe_file_is_caught() -> None:
    unsafe = [
        name for name in EXPECTED["files"] if Path(name).name.split("_", 1)[1].startswith("u")
    ]
    assert unsafe and all(EXPECTED["files"][name] for name in unsafe)


def test_names_are_schema_qualified_in_messages_and_help() -> None:
    """events.principals and categories.principals are told apart, and help carries schema=."""
    path = CORPUS / "postgresql" / "3e5a7c9b1d42_u40_principals_in_two_schemas.py"
    findings = api.lint_source(path.read_text(encoding="utf-8"), path.name, LintSettings())
    indexes = [f for f in findings if f.rule == "ZDM101"]
    assert [f.message.split(" existing table ")[1].split(" ")[0] for f in indexes] == [
        '"events.principals"',
        '"categories.principals"',
    ]
    assert [f.help for f in indexes] == [
        'op.add_index_concurrently("ix_principals_role_id", "principals", ["role_id"], schema="events")',
        'op.add_index_concurrently("ix_principals_role_id", "principals", ["role_id"], schema="categories")',
    ]
    for f in findings:
        assert '"principals"' not in f.message.replace('"principals", ["role_id"]', ""), f.message
        if f.help.startswith("op."):
            assert "schema=" in f.help, f.help


def test_foreign_key_names_both_schema_qualified_tables() -> None:
    source = (
        "from alembic import op\n\nrevision = 'a1'\ndown_revision = None\n\n\n"
        "def upgrade() -> None:\n"
        "    op.create_foreign_key(None, 'comments', 'revisions', ['revision_id'], ['id'],\n"
        "                          source_schema='event_editing', referent_schema='event_editing')\n"
    )
    (finding,) = [f for f in api.lint_source(source, "r.py", LintSettings()) if f.rule == "ZDM109"]
    assert '"event_editing.comments" and "event_editing.revisions"' in finding.message
    assert finding.help.endswith('source_schema="event_editing", referent_schema="event_editing")')
