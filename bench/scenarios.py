"""The schema changes benchmarked: each written the naive way and the alembic-zdm way.

The naive revision is what users write in plain Alembic today: one ``upgrade()``.
The alembic-zdm revision is phased: the ops are written once in ``expand()`` and run
with ``alembic upgrade zdm-phase:1``, ``zdm-phase:2``, then ``head``.
"""

from __future__ import annotations

import dataclasses

ZDM_TARGETS: tuple[tuple[str, str], ...] = (
    ("expand", "zdm-phase:1"),
    ("migrate", "zdm-phase:2"),
    ("contract", "head"),
)
"""The deploy's phase targets, in order, with the phase each one completes."""

NAIVE_TARGETS: tuple[tuple[str, str], ...] = (("upgrade", "head"),)


@dataclasses.dataclass(frozen=True)
class Scenario:
    """One schema change.

    :param key: short id, used in file names.
    :param title: what the change is, for tables and plots.
    :param naive: body of the naive revision's ``upgrade()``.
    :param naive_locks: what the naive statements lock, for the docs.
    :param zdm: body of the alembic-zdm revision's ``expand()``.
    :param zdm_ops: the ``op.*`` names the alembic-zdm revision needs.
    :param zdm_plain: the alembic-zdm way is the *naive* revision itself, run by
        ``alembic upgrade head`` with the plugin installed (its guard of plain revisions).
    :param blocked_table: the table the long transaction holds.
    :param lock_queue_only: run only with the long transaction (without, nothing differs).
    """

    key: str
    title: str
    naive: str
    naive_locks: str
    zdm: str
    zdm_ops: tuple[str, ...]
    zdm_plain: bool = False
    blocked_table: str = "items"
    lock_queue_only: bool = False


SCENARIOS: tuple[Scenario, ...] = (
    Scenario(
        key="add_index",
        title="Add an index",
        naive='op.create_index("ix_items_account_id", "items", ["account_id"])',
        naive_locks="CREATE INDEX: SHARE (blocks writes) while it scans and sorts the table",
        zdm='op.add_index_concurrently("ix_items_account_id", "items", ["account_id"])',
        zdm_ops=("add_index_concurrently",),
    ),
    Scenario(
        key="add_required_column",
        title="Add a required column",
        naive="""
            op.add_column("items", sa.Column("priority", sa.Integer(), server_default="0"))
            op.alter_column("items", "priority", nullable=False, existing_type=sa.Integer())
        """,
        naive_locks="ADD COLUMN, then SET NOT NULL: ACCESS EXCLUSIVE, held across a full scan",
        zdm='op.add_required_column("items", sa.Column("priority", sa.Integer(), server_default="0"))',
        zdm_ops=("add_required_column",),
    ),
    Scenario(
        key="rename_column",
        title="Rename a column",
        naive='op.alter_column("items", "label", new_column_name="title")',
        naive_locks="RENAME COLUMN: ACCESS EXCLUSIVE (instant once granted)",
        zdm='op.safe_rename_column("items", "label", "title")',
        zdm_ops=("safe_rename_column",),
    ),
    Scenario(
        key="change_type",
        title="Change int to bigint",
        naive=(
            'op.alter_column("items", "counter", type_=sa.BigInteger(), existing_type=sa.Integer())'
        ),
        naive_locks="ALTER COLUMN TYPE: ACCESS EXCLUSIVE while the whole table is rewritten",
        zdm='op.safe_change_column_type("items", "counter", sa.BigInteger())',
        zdm_ops=("safe_change_column_type",),
    ),
    Scenario(
        key="add_foreign_key",
        title="Add a foreign key",
        naive=(
            'op.create_foreign_key("fk_items_account_id", "items", "accounts", '
            '["account_id"], ["id"])'
        ),
        naive_locks="ADD FOREIGN KEY: SHARE ROW EXCLUSIVE (blocks writes) while it checks every row",
        zdm=(
            'op.add_foreign_key_safe("fk_items_account_id", "items", "accounts", '
            '["account_id"], ["id"])'
        ),
        zdm_ops=("add_foreign_key_safe",),
    ),
    Scenario(
        key="set_not_null",
        title="Set NOT NULL",
        naive='op.alter_column("items", "note", nullable=False, existing_type=sa.Integer())',
        naive_locks="SET NOT NULL: ACCESS EXCLUSIVE while it scans the table",
        zdm='op.set_not_null_safe("items", "note")',
        zdm_ops=("set_not_null_safe",),
    ),
    Scenario(
        key="plain_add_column",
        title="Plain add_column (upgrade head)",
        naive='op.add_column("items", sa.Column("extra", sa.Text()))',
        naive_locks="ADD COLUMN: ACCESS EXCLUSIVE, queued behind the long transaction",
        zdm='op.add_column("items", sa.Column("extra", sa.Text()))',
        zdm_ops=(),
        zdm_plain=True,
        lock_queue_only=True,
    ),
    Scenario(
        key="fk_two_tables",
        title="add_column + FK, referenced table held",
        naive="""
            op.add_column("items", sa.Column("owner_id", sa.Integer()))
            op.create_foreign_key("fk_items_owner", "items", "accounts", ["owner_id"], ["id"])
        """,
        naive_locks="ACCESS EXCLUSIVE on items held while the FK waits for accounts",
        zdm="""
            op.add_column("items", sa.Column("owner_id", sa.Integer()))
            op.add_foreign_key_safe("fk_items_owner", "items", "accounts", ["owner_id"], ["id"])
        """,
        zdm_ops=("add_foreign_key_safe",),
        blocked_table="accounts",
        lock_queue_only=True,
    ),
)


def by_key(key: str) -> Scenario:
    """The scenario named *key*."""
    for scenario in SCENARIOS:
        if scenario.key == key:
            return scenario
    raise KeyError(f"no scenario {key!r}; known: {', '.join(s.key for s in SCENARIOS)}")
