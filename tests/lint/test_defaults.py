"""The default set: opt-in rules and opt-in parts come on only when named in select."""

from __future__ import annotations

from lintcase import HEADER, lint_code

from alembic_zdm.lint.registry import all_rules

PLAIN = HEADER + (
    "def upgrade() -> None:\n"
    '    op.add_column("users", sa.Column("nickname", sa.String(40), nullable=True))\n'
    "\n\n"
    "def downgrade() -> None:\n"
    "    pass\n"
)
PHASED = HEADER + (
    "def expand() -> None:\n"
    '    op.add_column("users", sa.Column("nickname", sa.Text(), nullable=True))\n'
    "\n\n"
    "def undo_expand() -> None:\n"
    "    pass\n"
)


def _rules(source: str, select: tuple[str, ...] = ("ALL",)) -> set[str]:
    return {f.rule for f in lint_code(source, select=select, ignore=("ZDM123",))}


def test_plain_empty_downgrade_is_reported_only_when_zdm004_is_named() -> None:
    assert "ZDM004" not in _rules(PLAIN)
    assert "ZDM004" in _rules(PLAIN, ("ALL", "ZDM004"))
    assert "ZDM004" in _rules(PLAIN, ("ZDM0",))


def test_phased_empty_undo_is_reported_by_default() -> None:
    assert "ZDM004" in _rules(PHASED)


def test_hygiene_rules_are_opt_in_except_identifier_length() -> None:
    assert "ZDM302" not in _rules(PLAIN)
    assert "ZDM302" in _rules(PLAIN, ("ALL", "ZDM302"))
    assert "ZDM302" in _rules(PLAIN, ("ALL", "ZDM3"))
    off = sorted(r.id for r in all_rules().values() if not r.default)
    assert off == ["ZDM302", "ZDM303", "ZDM305"]


def test_compatibility_rules_skip_undo_functions_and_locking_rules_do_not() -> None:
    source = HEADER + (
        "def upgrade() -> None:\n"
        '    op.add_column("users", sa.Column("nickname", sa.Text(), nullable=True))\n'
        "\n\n"
        "def downgrade() -> None:\n"
        '    op.drop_column("users", "nickname")\n'
        '    op.create_index("ix_users_email", "users", ["email"])\n'
    )
    found = _rules(source)
    assert "ZDM201" not in found  # dropping what upgrade() added is the undo
    assert "ZDM101" in found  # the index build still blocks writes during a rollback
