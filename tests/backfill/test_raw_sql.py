"""``op.backfill(set=…, where=…)`` is SQL passed exactly as written; values go via params=.

Colons (``'a :b'``, ``x::int``), JSON literals and ``--`` comments reach the database
unchanged on PostgreSQL, MariaDB and SQLite; ``params=`` binds ``:name`` placeholders.
"""

from __future__ import annotations

import alembic  # noqa: F401  (plugin first)
import pytest
from sqlalchemy.dialects import postgresql

from alembic_zdm.backfill import BackfillSpec
from alembic_zdm.backfill.sql import batch_update, render
from alembic_zdm.errors import SchemaObjectError
from alembic_zdm.sql.raw import placeholders

from ..mysql.harness import Migration

ROWS = 30


def _setup(mig: Migration) -> None:
    mig.sql("CREATE TABLE t (id integer PRIMARY KEY, tag varchar(40), note varchar(40))")
    for i in range(1, ROWS + 1):
        mig.sql(
            "INSERT INTO t (id, tag, note) VALUES (:i, :tag, NULL)",
            i=i,
            tag="a :b" if i % 3 == 0 else ('{"a":1}' if i % 3 == 1 else "plain"),
        )


def _run(mig: Migration, **kw: object) -> None:
    with mig.ctx.begin_transaction():
        mig.op.backfill("t", batch_size=7, **kw)  # type: ignore[attr-defined]
    mig._commit()


@pytest.fixture(params=["postgresql", "mysql", "sqlite"])
def mig(request: pytest.FixtureRequest) -> Migration:
    url = request.getfixturevalue(
        f"{request.param}_url" if request.param != "postgresql" else "pg_url"
    )
    m = Migration(url)
    request.addfinalizer(m.close)
    _setup(m)
    return m


def test_colons_json_and_comments_pass_as_written(mig: Migration) -> None:
    _run(
        mig,
        set={"note": "'x:y' -- a comment at the end of the expression"},
        where="""tag = 'a :b' OR tag = '{"a":1}'  -- colons and JSON, then a comment""",
    )
    rows = dict(mig.sql("SELECT id, note FROM t ORDER BY id"))
    assert {i for i, n in rows.items() if n == "x:y"} == {
        i for i in range(1, ROWS + 1) if i % 3 != 2
    }
    assert all(rows[i] is None for i in range(2, ROWS + 1, 3))


def test_params_bind_values_and_leave_literals_alone(mig: Migration) -> None:
    _run(
        mig,
        set={"note": ":label"},
        where="tag = :wanted /* :label inside a comment stays */ AND tag <> ':label'",
        params={"label": "it's :set", "wanted": "plain"},
    )
    rows = dict(mig.sql("SELECT id, note FROM t ORDER BY id"))
    assert {i for i, n in rows.items() if n == "it's :set"} == set(range(2, ROWS + 1, 3))
    assert sum(1 for n in rows.values() if n is not None) == ROWS // 3


def test_an_unused_param_is_one_sentence() -> None:
    with pytest.raises(SchemaObjectError, match=r"params= gives 'x', but no :x placeholder"):
        BackfillSpec("t", {"b": "1"}, where="a = 1", params={"x": 1})


def test_placeholders_skip_strings_quoted_names_comments_and_casts() -> None:
    sql = """:a::int, ':a', ":a", `:a`, -- :a\n /* :a */ $q$ :a $q$, x:a, :a"""
    assert [n for _, _, n in placeholders(sql, {"a"})] == ["a", "a"]
    assert placeholders(sql, {"a"})[-1][0] == len(sql) - 2


def test_exact_sql_keeps_the_text_and_closes_after_a_comment() -> None:
    spec = BackfillSpec("t", {"b": "a::text"}, where="a > :n -- big ones", params={"n": 5})
    text = render(batch_update(spec, ("id",), has_lo=False, has_hi=False), postgresql.dialect())
    assert "(a::text)" in text
    assert "(a > %(n)s::INTEGER -- big ones\n)" in text


def test_offline_do_block_runs_with_a_comment_and_a_json_literal(pg_url: str) -> None:
    from sqlalchemy import create_engine

    from alembic_zdm.backfill.postgresql import offline_script

    spec = BackfillSpec(
        "t",
        {"note": """'{"a":1}'  -- JSON, then a comment"""},
        where="tag = 'a :b' -- colon inside a literal",
    )
    engine = create_engine(pg_url, isolation_level="AUTOCOMMIT")
    offline = postgresql.dialect(paramstyle="named")  # as Alembic's --sql mode configures it
    script = offline_script(spec, ("id",), 4, offline)
    mig = Migration(pg_url)
    try:
        _setup(mig)
        with engine.connect() as conn:
            conn.connection.driver_connection.execute(script)  # type: ignore[union-attr]
        rows = dict(mig.sql("SELECT id, note FROM t WHERE note IS NOT NULL"))
        assert rows == {i: '{"a":1}' for i in range(3, ROWS + 1, 3)}
    finally:
        mig.close()
        engine.dispose()
