"""safe_rename_column phase by phase on PostgreSQL, with old- and new-app writers running."""

from __future__ import annotations

from collections.abc import Iterator

import alembic  # noqa: F401  (plugin first: importing alembic_zdm.errors first is circular)
import pytest
from sqlalchemy import text
from sqlalchemy.engine import Connection

from alembic_zdm.errors import SchemaObjectError
from alembic_zdm.ops.rename import SafeRenameColumnOp
from alembic_zdm.phases.model import Phase

from .harness import Migration, Writer, writing

pytestmark = pytest.mark.postgresql

ROWS = 3000


@pytest.fixture
def mig(pg_url: str) -> Iterator[Migration]:
    m = Migration(pg_url)
    m.sql(
        "CREATE TABLE users (id bigserial PRIMARY KEY, email text NOT NULL DEFAULT 'none', "
        "note text)"
    )
    m.sql("CREATE INDEX users_email_idx ON users (email)")
    m.sql("INSERT INTO users (email) SELECT 'v' || g FROM generate_series(1, :n) g", n=ROWS)
    yield m
    m.close()


def old_insert(conn: Connection, n: int) -> int:
    return int(
        conn.execute(
            text("INSERT INTO users (email) VALUES (:v) RETURNING id"), {"v": f"v{n}"}
        ).scalar_one()
    )


def old_update(conn: Connection, row_id: int, n: int) -> None:
    conn.execute(text("UPDATE users SET email = :v WHERE id = :id"), {"v": f"v{n}", "id": row_id})


def new_insert(conn: Connection, n: int) -> int:
    return int(
        conn.execute(
            text("INSERT INTO users (email_address) VALUES (:v) RETURNING id"), {"v": f"v{n}"}
        ).scalar_one()
    )


def new_update(conn: Connection, row_id: int, n: int) -> None:
    conn.execute(
        text("UPDATE users SET email_address = :v WHERE id = :id"), {"v": f"v{n}", "id": row_id}
    )


def rename(op: object) -> None:
    op.safe_rename_column("users", "email", "email_address")  # type: ignore[attr-defined]


OP = SafeRenameColumnOp("users", "email", "email_address")


def test_phase_by_phase_with_both_apps_writing(mig: Migration, pg_url: str) -> None:
    old = Writer(pg_url, old_insert, old_update, list(range(2, ROWS + 1, 2)), "old")
    new = Writer(pg_url, new_insert, new_update, list(range(1, ROWS + 1, 2)), "new")
    with writing(old):
        old.advance()
        mig.expand(rename)
        old.advance()
        with writing(new):
            new.advance()
            mig.phase(OP, Phase.MIGRATE)
            old.advance()
            new.advance()
            old.stop()  # the deploy: old code is gone before contract
            mig.phase(OP, Phase.CONTRACT)
            new.advance()
            cols = mig.columns("users")
            assert "email" not in cols and "email_address" in cols
    assert old.errors == [] and new.errors == []
    assert old.ops > 20 and new.ops > 20
    values = dict(mig.sql("SELECT id, email_address FROM users"))
    assert len(values) == ROWS + sum(1 for i in (*old.expected, *new.expected) if i > ROWS) - 0
    for writer in (old, new):
        for row_id, written in writer.expected.items():
            assert values[row_id] == f"v{written['n']}", (writer.name, row_id)
    untouched = set(range(1, ROWS + 1)) - set(old.expected) - set(new.expected)
    assert all(values[i] == f"v{i}" for i in untouched)
    # the default, NOT NULL and the index moved to the new column
    assert mig.sql("SELECT indexdef FROM pg_indexes WHERE indexname = 'users_email_idx'")[0][
        0
    ].endswith("(email_address)")
    assert mig.sql(
        "SELECT is_nullable, column_default FROM information_schema.columns "
        "WHERE table_name = 'users' AND column_name = 'email_address'"
    ) == [("NO", "'none'::text")]
    assert mig.sql("SELECT count(*) FROM pg_trigger WHERE tgname LIKE 'zdm_%'") == [(0,)]


@pytest.mark.parametrize("last", [Phase.EXPAND, Phase.MIGRATE, Phase.CONTRACT])
def test_rollback_from_every_point(mig: Migration, last: Phase) -> None:
    before = mig.columns("users")
    mig.expand(rename)
    for phase in (Phase.MIGRATE, Phase.CONTRACT):
        if phase <= last:
            mig.phase(OP, phase)
    mig.sql(
        "UPDATE users SET email_address = 'changed' WHERE id = 1"
    ) if last < Phase.CONTRACT else None
    for phase in reversed([p for p in Phase if p <= last]):
        mig.phase(OP, phase, undo=True)
    assert mig.columns("users") == before
    assert mig.sql("SELECT count(*) FROM users") == [(ROWS,)]
    first = "changed" if last < Phase.CONTRACT else "v1"
    assert mig.sql("SELECT email FROM users WHERE id IN (1, 2) ORDER BY id") == [(first,), ("v2",)]
    assert mig.sql("SELECT count(*) FROM pg_trigger WHERE tgname LIKE 'zdm_%'") == [(0,)]
    assert mig.sql("SELECT count(*) FROM pg_proc WHERE proname LIKE 'zdm_%'") == [(0,)]
    assert [
        r[0]
        for r in mig.sql("SELECT indexname FROM pg_indexes WHERE tablename = 'users' ORDER BY 1")
    ] == [
        "users_email_idx",
        "users_pkey",
    ]


def test_rename_onto_existing_column_is_one_sentence(mig: Migration) -> None:
    before = mig.columns("users")
    with pytest.raises(SchemaObjectError, match="already exists on table 'users'"):
        mig.expand(lambda op: op.safe_rename_column("users", "email", "note"))  # type: ignore[attr-defined]
    assert mig.columns("users") == before


def test_unknown_table_and_column(mig: Migration) -> None:
    before = mig.columns("users")
    with pytest.raises(SchemaObjectError, match="Table 'nope' does not exist"):
        mig.expand(lambda op: op.safe_rename_column("nope", "a", "b"))  # type: ignore[attr-defined]
    with pytest.raises(SchemaObjectError, match="Column 'nope' does not exist on table 'users'"):
        mig.expand(lambda op: op.safe_rename_column("users", "nope", "b"))  # type: ignore[attr-defined]
    assert mig.columns("users") == before
