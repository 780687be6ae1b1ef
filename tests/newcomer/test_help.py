"""Help that answers a newcomer's questions: a description per subcommand, help on
every option, and ``generate --help`` saying which flags each pattern needs (checked
by generating each pattern with exactly those flags)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from alembic_zdm.cli import SUBCOMMANDS, build_parser
from alembic_zdm.cli import main as zdm_main
from alembic_zdm.cli.generate import PATTERN_FLAGS
from alembic_zdm.phases.generate import PATTERNS


def _help(capsys: pytest.CaptureFixture[str], *argv: str) -> str:
    with pytest.raises(SystemExit):
        zdm_main([*argv, "--help"])
    return capsys.readouterr().out


@pytest.mark.parametrize("command", list(SUBCOMMANDS))
def test_each_subcommand_has_a_description_and_every_option_has_help(
    command: str, capsys: pytest.CaptureFixture[str]
) -> None:
    parser = build_parser()
    sub = parser._subparsers._group_actions[0].choices[command]  # type: ignore[union-attr]
    assert sub.description and len(sub.description) > 40
    undocumented = [
        a.option_strings or a.dest for a in sub._actions if not a.help and a.dest != "help"
    ]
    assert undocumented == []
    if command in ("status", "history", "doctor", "plan"):
        assert "text for people (default)" in _help(capsys, command)


def test_generate_help_lists_every_pattern_with_its_flags(
    capsys: pytest.CaptureFixture[str],
) -> None:
    out = _help(capsys, "generate")
    assert set(PATTERN_FLAGS) == set(PATTERNS)
    for name, flags in PATTERN_FLAGS.items():
        assert re.search(rf"^  {re.escape(name)}\s+{re.escape(flags)}$", out, re.M), name


VALUES = {
    "C": "col",
    "NAME": "ck_thing",
    "SQL": "col > 0",
    "TYPE": "sa.BigInteger()",
    "TABLE.COLUMN": "other.id",
    "NEW_NAME": "new_col",
}


def _required(flags: str) -> list[list[str]]:
    """The flags outside [...] as [flag, value] pairs."""
    bare = re.sub(r"\[[^\]]*\]", "", flags).replace("(--table only)", "")
    words = bare.split()
    return [[words[i], VALUES[words[i + 1]]] for i in range(0, len(words), 2)]


@pytest.mark.parametrize("pattern", sorted(PATTERN_FLAGS))
def test_the_flags_help_names_are_exactly_the_ones_needed(
    pattern: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.chdir(tmp_path)
    assert zdm_main(["init", "migrations"]) == 0
    needed = _required(PATTERN_FLAGS[pattern])
    capsys.readouterr()
    argv = ["generate", pattern, "--table", "things", *[x for pair in needed for x in pair]]
    assert zdm_main(argv) == 0, capsys.readouterr().err
    for i, (flag, _) in enumerate(needed):
        without = [x for j, pair in enumerate(needed) if j != i for x in pair]
        code = zdm_main(["generate", pattern, "--table", "things", *without])
        err = capsys.readouterr().err
        assert code != 0 and flag in err, (flag, err)
