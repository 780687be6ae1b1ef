"""The only way a name or a value enters SQL text (STYLE habit 3).

Identifiers go through the dialect's identifier preparer, exactly as Alembic's own
DDL does (``alembic/ddl/base.py``): a name is quoted when the dialect needs it to be
(reserved word, upper case, odd characters) and left bare otherwise. Literal values
(messages inside ``DO`` blocks, offline checks) go through the dialect's literal
processor. SQL *expressions* written by the user (a ``CHECK`` condition, an index
``WHERE``) are SQL by definition and pass through :meth:`Quoter.expression`.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from sqlalchemy import String
from sqlalchemy.engine import Dialect
from sqlalchemy.sql.elements import ClauseElement

SqlExpression = str | ClauseElement
"""A SQL expression written by the user: text, ``sa.text(...)`` or a column expression."""


def rendering_dialect(dialect: Dialect) -> Dialect:
    """*dialect* as statement text is written for running without parameters.

    A ``format``/``pyformat`` driver (psycopg, mysqlclient) makes SQLAlchemy double
    every ``%`` — also inside quoted names (a column ``"%_a"`` becomes ``"%%_a"``) —
    for the driver to undo when it fills parameters. Our statements run as driver SQL
    *without* parameters (or through ``text()``), where nothing undoes it; so they are
    rendered by a copy of the dialect with the ``named`` paramstyle, as Alembic's
    offline mode does. Dialects that do not double percents are returned as they are.
    """
    if not getattr(dialect.identifier_preparer, "_double_percents", False):
        return dialect
    cached: Dialect | None = dialect.__dict__.get("_zdm_rendering")
    if cached is None:
        import copy

        cached = copy.copy(dialect)
        cached.paramstyle = "named"
        cached.positional = False
        cached.identifier_preparer = cached.preparer(cached)
        dialect.__dict__["_zdm_rendering"] = cached
    return cached


def dollar_quote(body: str, tag: str = "zdm") -> str:
    """*body* between PostgreSQL dollar quotes whose tag does not occur in it.

    A name inside the body may contain ``$zdm$`` (a column called ``a$zdm$b``), so
    the tag is ``$zdm$``, else ``$zdm_1$``, ``$zdm_2$`` … — the first absent from *body*.

    >>> dollar_quote("SELECT 1")
    '$zdm$SELECT 1$zdm$'
    >>> dollar_quote('SELECT "a$zdm$b"')
    '$zdm_1$SELECT "a$zdm$b"$zdm_1$'
    """
    candidate, n = f"${tag}$", 0
    while candidate in body:
        n += 1
        candidate = f"${tag}_{n}$"
    return f"{candidate}{body}{candidate}"


class Quoter:
    """Quotes identifiers and literals for one dialect.

    >>> from sqlalchemy.dialects import postgresql
    >>> q = Quoter(postgresql.dialect())
    >>> q.table("Order", schema="sales")
    'sales."Order"'
    """

    def __init__(self, dialect: Dialect) -> None:
        self.dialect = rendering_dialect(dialect)
        self._preparer = self.dialect.identifier_preparer

    def name(self, identifier: str) -> str:
        """A column, index or constraint name (quoted when the dialect needs it)."""
        return str(self._preparer.quote(identifier))

    def names(self, identifiers: Iterable[str]) -> str:
        """A comma-separated list of names, as in a column list."""
        return ", ".join(self.name(i) for i in identifiers)

    def schema(self, schema: str) -> str:
        """A schema name."""
        return str(self._preparer.quote_schema(schema))

    def table(self, table: str, schema: str | None = None) -> str:
        """A table (or any schema object) name, qualified by *schema* when given."""
        if schema:
            return f"{self.schema(schema)}.{self.name(table)}"
        return self.name(table)

    def literal(self, value: str) -> str:
        """A string literal (``'it''s'``)."""
        process: Any = String().literal_processor(self.dialect)  # type: ignore[no-untyped-call]
        return str(process(value))

    def expression(self, expr: SqlExpression) -> str:
        """A user-written SQL expression, compiled for the dialect with literal values."""
        if isinstance(expr, str):
            return expr
        compiled = expr.compile(dialect=self.dialect, compile_kwargs={"literal_binds": True})
        return str(compiled)
