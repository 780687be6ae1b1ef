"""``[tool.alembic_zdm.lint]`` validation and the target syntax."""

from __future__ import annotations

import pytest

from alembic_zdm.lint.model import Severity
from alembic_zdm.lint.registry import all_rules
from alembic_zdm.lint.settings import LintSettings, LintUsageError, from_table
from alembic_zdm.lint.target import Target

KNOWN = tuple(all_rules())


def test_full_table() -> None:
    s = from_table(
        {
            "target": "mysql>=8.0",
            "select": ["ZDM1", "zdm201"],
            "ignore": ["ZDM123"],
            "severity": {"ZDM101": "warning"},
            "exclude": ["legacy_*.py"],
            "fail-level": "error",
        },
        "pyproject.toml",
        KNOWN,
    )
    assert s.target == Target("mysql", (8, 0))
    assert (s.enabled("ZDM101"), s.enabled("ZDM123"), s.enabled("ZDM201"), s.enabled("ZDM202")) == (
        True,
        False,
        True,
        False,
    )
    assert s.severity_of("ZDM101", Severity.ERROR) is Severity.WARNING
    assert (s.exclude, s.fail_level) == (("legacy_*.py",), Severity.ERROR)


def test_more_specific_prefix_wins() -> None:
    s = LintSettings(select=("ZDM123",), ignore=("ZDM1",))
    assert (s.enabled("ZDM123"), s.enabled("ZDM101")) == (True, False)


@pytest.mark.parametrize(
    ("table", "message"),
    [
        ({"selekt": ["ZDM1"]}, "Unknown lint setting 'selekt'"),
        ({"select": ["ZDM7"]}, "'ZDM7' in select in p matches no rule"),
        ({"target": "oracle>=19"}, "target database 'oracle' is not one of"),
        ({"target": "postgresql<=15"}, "is not of the form"),
        ({"severity": {"ZDM101": "fatal"}}, "Bad level 'fatal'"),
        ({"severity": {"ZDM999": "error"}}, "unknown rule 'ZDM999'"),
        ({"exclude": "x", "ignore": 3}, "ignore in p must be a list of strings"),
    ],
)
def test_bad_settings_name_the_problem(table: dict[str, object], message: str) -> None:
    with pytest.raises(LintUsageError, match=message.replace("(", r"\(")):
        from_table(table, "p", KNOWN)


def test_targets() -> None:
    assert str(Target.parse("postgres")) == "postgresql>=12"
    assert Target.parse("postgresql>=15.2").version == (15, 2)
    assert Target.parse("sqlite").dialect == "sqlite"
    assert Target.parse("postgresql>=10").below(11)
