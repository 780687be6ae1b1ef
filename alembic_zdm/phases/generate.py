"""``alembic-zdm generate``: write a phased revision from a pattern.

The revision is written by Alembic's own machinery
(``ScriptDirectory.generate_revision``, which renders the project's
``script.py.mako`` and runs its post-write hooks); the pattern supplies the body of
``expand()`` (``${upgrades}``) and of ``undo_expand()`` (``${downgrades}``). Pattern
ops carry themselves through migrate and contract, so those stay empty.
"""

from __future__ import annotations

import ast
import dataclasses
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from ..errors import ConfigError

if TYPE_CHECKING:
    from alembic.config import Config


@dataclasses.dataclass(frozen=True)
class Options:
    """What the command line gives a pattern."""

    table: str
    columns: tuple[str, ...] = ()
    to: str | None = None
    type: str | None = None
    default: str | None = None
    using: str | None = None
    references: str | None = None
    condition: str | None = None
    name: str | None = None
    unique: bool = False


@dataclasses.dataclass(frozen=True)
class Body:
    """Code of ``expand()`` and ``undo_expand()`` and a default message."""

    expand: list[str]
    undo_expand: list[str]
    message: str


def _column(o: Options, pattern: str) -> str:
    if len(o.columns) != 1:
        raise ConfigError(f"Pattern {pattern!r} needs exactly one --column.")
    return o.columns[0]


def _type(o: Options, pattern: str) -> str:
    if not o.type:
        raise ConfigError(f"Pattern {pattern!r} needs --type, e.g. --type 'sa.BigInteger()'.")
    check_type_expression(o.type)
    return o.type


def check_type_expression(text: str) -> None:
    """Accept ``sa.Text()`` / ``sa.Numeric(10, 2)`` style expressions that build a SQLAlchemy type."""
    import sqlalchemy as sa
    from sqlalchemy.types import TypeEngine

    try:
        tree = ast.parse(text, mode="eval")
    except SyntaxError:
        raise ConfigError(
            f"--type {text!r} is not a Python expression; write e.g. 'sa.Text()'."
        ) from None
    allowed = (
        ast.Expression,
        ast.Call,
        ast.Attribute,
        ast.Name,
        ast.Constant,
        ast.Load,
        ast.keyword,
    )
    if not all(isinstance(node, allowed) for node in ast.walk(tree)):
        raise ConfigError(f"--type {text!r} must be a plain type call such as 'sa.Numeric(10, 2)'.")
    try:
        value = eval(compile(tree, "<type>", "eval"), {"__builtins__": {}, "sa": sa})
    except Exception as exc:
        raise ConfigError(f"--type {text!r} does not build a SQLAlchemy type: {exc}.") from None
    if not isinstance(value, TypeEngine) and not (
        isinstance(value, type) and issubclass(value, TypeEngine)
    ):
        raise ConfigError(
            f"--type {text!r} is not a SQLAlchemy type; write e.g. 'sa.BigInteger()'."
        )


def _rename(o: Options) -> Body:
    col = _column(o, "rename-column")
    if not o.to:
        raise ConfigError("Pattern 'rename-column' needs --to NEW_NAME.")
    return Body(
        [f"op.safe_rename_column({o.table!r}, {col!r}, {o.to!r})"],
        [],
        f"rename {o.table}.{col} to {o.to}",
    )


def _required(o: Options) -> Body:
    col = _column(o, "add-required-column")
    if o.default is None:
        raise ConfigError(
            "Pattern 'add-required-column' needs --default (a SQL expression old code's INSERTs get)."
        )
    column = f"sa.Column({col!r}, {_type(o, 'add-required-column')}, nullable=True)"
    return Body(
        [f"op.add_required_column({o.table!r}, {column}, server_default={o.default!r})"],
        [],
        f"add required column {o.table}.{col}",
    )


def _change_type(o: Options) -> Body:
    col = _column(o, "change-column-type")
    using = f", using={o.using!r}" if o.using else ""
    return Body(
        [
            f"op.safe_change_column_type({o.table!r}, {col!r}, {_type(o, 'change-column-type')}{using})"
        ],
        [],
        f"change type of {o.table}.{col}",
    )


def _index(o: Options) -> Body:
    if not o.columns:
        raise ConfigError("Pattern 'add-index' needs one or more --column.")
    name = o.name or f"ix_{o.table}_{'_'.join(o.columns)}"
    unique = ", unique=True" if o.unique else ""
    return Body(
        [f"op.add_index_concurrently({name!r}, {o.table!r}, {list(o.columns)!r}{unique})"],
        [f"op.drop_index_concurrently({name!r}, {o.table!r})"],
        f"add index {name}",
    )


def _foreign_key(o: Options) -> Body:
    col = _column(o, "add-foreign-key")
    if not o.references or "." not in o.references:
        raise ConfigError("Pattern 'add-foreign-key' needs --references TABLE.COLUMN.")
    table, _, remote = o.references.rpartition(".")
    name = o.name or f"fk_{o.table}_{col}_{table}"
    return Body(
        [f"op.add_foreign_key_safe({name!r}, {o.table!r}, {table!r}, [{col!r}], [{remote!r}])"],
        [],
        f"add foreign key {name}",
    )


def _unique(o: Options) -> Body:
    if not o.columns:
        raise ConfigError("Pattern 'add-unique-constraint' needs one or more --column.")
    name = o.name or f"uq_{o.table}_{'_'.join(o.columns)}"
    return Body(
        [f"op.add_unique_constraint_safe({name!r}, {o.table!r}, {list(o.columns)!r})"],
        [],
        f"add unique constraint {name}",
    )


def _check(o: Options) -> Body:
    if not o.condition or not o.name:
        raise ConfigError("Pattern 'add-check-constraint' needs --name and --condition.")
    return Body(
        [f"op.add_check_constraint_safe({o.name!r}, {o.table!r}, {o.condition!r})"],
        [],
        f"add check constraint {o.name}",
    )


def _not_null(o: Options) -> Body:
    col = _column(o, "set-not-null")
    return Body(
        [f"op.set_not_null_safe({o.table!r}, {col!r})"], [], f"set {o.table}.{col} NOT NULL"
    )


def _drop_column(o: Options) -> Body:
    col = _column(o, "drop-column")
    return Body([f"op.safe_drop_column({o.table!r}, {col!r})"], [], f"drop column {o.table}.{col}")


def _drop_table(o: Options) -> Body:
    return Body([f"op.safe_drop_table({o.table!r})"], [], f"drop table {o.table}")


PATTERNS: dict[str, Callable[[Options], Body]] = {
    "rename-column": _rename,
    "add-required-column": _required,
    "change-column-type": _change_type,
    "add-index": _index,
    "add-foreign-key": _foreign_key,
    "add-unique-constraint": _unique,
    "add-check-constraint": _check,
    "set-not-null": _not_null,
    "drop-column": _drop_column,
    "drop-table": _drop_table,
}


def generate(
    config: Config,
    pattern: str,
    options: Options,
    message: str | None = None,
    rev_id: str | None = None,
) -> Path:
    """Write a phased revision for *pattern*; return its path."""
    from alembic import util
    from alembic.script import ScriptDirectory

    if pattern not in PATTERNS:
        raise ConfigError(
            f"Unknown pattern {pattern!r}; choose one of: {', '.join(sorted(PATTERNS))}."
        )
    body = PATTERNS[pattern](options)
    script = ScriptDirectory.from_config(config)
    template = Path(script.dir) / "script.py.mako"
    if not template.is_file() or "def expand(" not in template.read_text():
        raise ConfigError(
            f"The revision template of {script.dir} is not phase-aware; run "
            "'alembic-zdm init --existing' first, then generate again."
        )
    indent = "\n    "
    created = script.generate_revision(
        rev_id or util.rev_id(),
        message or body.message,
        head="head",
        upgrades=indent.join(body.expand),
        downgrades=indent.join(body.undo_expand) if body.undo_expand else "pass",
    )
    if created is None:  # pragma: no cover - Alembic returns None only for branch-only revs
        raise ConfigError("Alembic did not write a revision.")
    return Path(created.path)
