"""What the linter knows about a revision: actions, columns, types, findings.

Extraction (``extract/``) turns a revision file, or a SQL script, into a
:class:`Revision` holding :class:`Action` objects. An ``op.create_index(...)`` call and
a ``CREATE INDEX`` statement inside ``op.execute("...")`` become the same kind of
action, so every rule checks both.
"""

from __future__ import annotations

import dataclasses
import enum
import json


class Severity(enum.IntEnum):
    """How bad a finding is; ``--fail-level`` compares against it."""

    INFO = 1
    WARNING = 2
    ERROR = 3

    @property
    def label(self) -> str:
        """Lower-case name used in settings and output."""
        return self.name.lower()

    @classmethod
    def parse(cls, text: str) -> Severity:
        """``"error"`` → :attr:`ERROR`; raises ``ValueError`` for unknown names."""
        try:
            return cls[text.strip().upper()]
        except KeyError:
            raise ValueError(text) from None


class Kind(enum.Enum):
    """What an action does to the database."""

    CREATE_TABLE = "create_table"
    DROP_TABLE = "drop_table"
    RENAME_TABLE = "rename_table"
    ADD_COLUMN = "add_column"
    DROP_COLUMN = "drop_column"
    RENAME_COLUMN = "rename_column"
    SET_NOT_NULL = "set_not_null"
    DROP_NOT_NULL = "drop_not_null"
    ALTER_TYPE = "alter_type"
    SET_DEFAULT = "set_default"
    CREATE_INDEX = "create_index"
    DROP_INDEX = "drop_index"
    ADD_CONSTRAINT = "add_constraint"
    DROP_CONSTRAINT = "drop_constraint"
    VALIDATE_CONSTRAINT = "validate_constraint"
    DATA_CHANGE = "data_change"
    INSERT_VALUES = "insert_values"
    SET_TIMEOUT = "set_timeout"
    CREATE_ENUM = "create_enum"
    ALTER_ENUM = "alter_enum"
    TABLE_OPTION = "table_option"
    PATTERN = "pattern"
    VALIDATION = "validation"
    DUAL_WRITE = "dual_write"
    TRANSACTION = "transaction"
    LOCK_TABLE = "lock_table"
    """``LOCK TABLE … IN SHARE MODE`` or stronger: a lock that blocks writers, held to the end."""
    QUERY = "query"
    """A read (``SELECT``) outside any DDL: it takes no strong lock but runs for as long as it runs."""
    OTHER_DDL = "other_ddl"
    UNKNOWN_SQL = "unknown_sql"


SCHEMA_KINDS = frozenset(
    {
        Kind.CREATE_TABLE,
        Kind.DROP_TABLE,
        Kind.RENAME_TABLE,
        Kind.ADD_COLUMN,
        Kind.DROP_COLUMN,
        Kind.RENAME_COLUMN,
        Kind.SET_NOT_NULL,
        Kind.DROP_NOT_NULL,
        Kind.ALTER_TYPE,
        Kind.SET_DEFAULT,
        Kind.CREATE_INDEX,
        Kind.DROP_INDEX,
        Kind.ADD_CONSTRAINT,
        Kind.DROP_CONSTRAINT,
        Kind.VALIDATE_CONSTRAINT,
        Kind.CREATE_ENUM,
        Kind.ALTER_ENUM,
        Kind.TABLE_OPTION,
        Kind.PATTERN,
        Kind.DUAL_WRITE,
        Kind.OTHER_DDL,
    }
)
"""Kinds that change the schema (as opposed to data, settings or checks)."""

LOCKING_KINDS = (SCHEMA_KINDS - {Kind.CREATE_TABLE, Kind.CREATE_ENUM, Kind.VALIDATE_CONSTRAINT}) | {
    Kind.LOCK_TABLE
}
"""Kinds that take a table lock when they touch a table that already exists."""

# Flags an action may carry.
CONCURRENTLY = "concurrently"
UNIQUE = "unique"
IF_EXISTS = "if_exists"
IF_NOT_EXISTS = "if_not_exists"
NOT_VALID = "not_valid"
USING_INDEX = "using_index"
FULLTEXT = "fulltext"
SPATIAL = "spatial"
ENUM_ORDERED = "enum_ordered"
ENUM_RENAME_VALUE = "enum_rename_value"
IN_LOOP = "in_loop"
PRIMARY_KEY = "primary_key"


@dataclasses.dataclass(frozen=True, slots=True)
class TypeSpec:
    """A column type, normalised: ``sa.String(255)`` and ``varchar(255)`` are equal."""

    name: str
    args: tuple[int | str, ...] = ()
    raw: str = ""

    def render(self) -> str:
        """Readable form used in messages (the user's own spelling when known)."""
        if self.raw:
            return self.raw
        return f"{self.name}({', '.join(map(str, self.args))})" if self.args else self.name


@dataclasses.dataclass(frozen=True, slots=True)
class DefaultSpec:
    """A server-side default: its text and whether it rewrites the table."""

    text: str
    volatile: bool = False
    expression: bool = False


@dataclasses.dataclass(frozen=True, slots=True)
class ColumnSpec:
    """A column definition (``sa.Column(...)`` or a SQL column definition)."""

    name: str | None
    type: TypeSpec | None = None
    nullable: bool | None = None
    primary_key: bool = False
    server_default: DefaultSpec | None = None
    python_default: str | None = None
    unique: bool = False
    index: bool = False
    foreign_key: str | None = None
    generated: bool = False
    generated_kind: str = ""
    """How a generated column gets its values: ``identity``, ``serial``,
    ``auto_increment``, ``stored``, ``virtual``, or ``computed`` (SQLAlchemy's
    ``Computed`` with no ``persisted=``: the dialect's default); empty when not known."""

    @property
    def not_null(self) -> bool:
        """NOT NULL as SQLAlchemy decides it (primary keys are NOT NULL)."""
        return self.nullable is False or (self.nullable is None and self.primary_key)


@dataclasses.dataclass(slots=True, eq=False)
class Action:
    """One thing a revision does, from an ``op.*`` call or a SQL statement."""

    kind: Kind
    line: int
    col: int
    origin: str
    phase: str | None = None
    span: tuple[int, int] = (0, 0)
    table: str | None = None
    schema: str | None = None
    """The schema the user named (``schema=`` of the op, ``events.principals`` in SQL)."""
    name: str | None = None
    column: str | None = None
    columns: tuple[str, ...] = ()
    coldef: ColumnSpec | None = None
    coldefs: tuple[ColumnSpec, ...] = ()
    """The columns of a CREATE TABLE (where they can be read)."""
    constraint: str | None = None
    new_type: TypeSpec | None = None
    old_type: TypeSpec | None = None
    condition: str | None = None
    flags: frozenset[str] = frozenset()
    options: dict[str, str] = dataclasses.field(default_factory=dict)
    zdm_op: str | None = None
    autocommit: bool = False
    via_sql: bool = False
    new_table: bool = False
    order: int = 0
    code: dict[str, str] = dataclasses.field(default_factory=dict)

    @property
    def relation(self) -> str | None:
        """The table as the user named it, schema-qualified when a schema was given."""
        if self.table is None:
            return None
        return f"{self.schema}.{self.table}" if self.schema else self.table

    @property
    def schema_kw(self) -> str:
        """``, schema="events"`` for a help line's op call (empty without a schema)."""
        if "schema" in self.code:
            return f", schema={self.code['schema']}"
        return f", schema={json.dumps(self.schema)}" if self.schema else ""

    @property
    def safe(self) -> bool:
        """True for the plugin's own operations (they do the safe thing themselves)."""
        return self.zdm_op is not None

    def has(self, flag: str) -> bool:
        """Whether the action carries *flag*."""
        return flag in self.flags

    def arg(self, field: str, placeholder: str | None = None) -> str:
        """Python source for an argument, in the user's own names, for help lines."""
        if field in self.code:
            return self.code[field]
        value = getattr(self, field, None)
        if isinstance(value, str):
            return json.dumps(value)
        if isinstance(value, tuple):
            return "[" + ", ".join(json.dumps(v) for v in value) + "]"
        return placeholder or f"<{field}>"

    @property
    def where(self) -> str:
        """``in expand()`` — the function the action sits in, for messages."""
        return f"in {self.phase}()" if self.phase else "in this script"


@dataclasses.dataclass(frozen=True, slots=True)
class Problem:
    """Something that kept a revision from being read (rule ZDM005)."""

    line: int
    col: int
    message: str
    span: tuple[int, int] = (0, 0)


@dataclasses.dataclass(slots=True)
class FunctionInfo:
    """A top-level phase function of a revision."""

    name: str
    line: int
    col: int
    end_line: int
    trivial: bool
    raises: bool
    actions: list[Action] = dataclasses.field(default_factory=list)


@dataclasses.dataclass(frozen=True, slots=True)
class Fact:
    """A project setting read from its files: the value and where it was found."""

    value: str
    where: str


_DISABLED = frozenset({"0", "0ms", "0s", "false", "off", "none", "no"})


@dataclasses.dataclass(frozen=True, slots=True)
class Project:
    """What the linter learnt about the project from ``env.py``, ``alembic.ini`` and
    ``pyproject.toml`` (read as text and AST, never imported): it holds for every revision."""

    env_py: str | None = None
    """Where ``env.py`` is (relative to the run's folder), the place for per-run settings."""
    dialect: Fact | None = None
    """The database of ``sqlalchemy.url`` (or a URL literal in ``env.py``), when visible."""
    lock_timeout: Fact | None = None
    """``lock_timeout`` (MySQL: ``lock_wait_timeout``) set for every migration in ``env.py``."""
    statement_timeout: Fact | None = None
    transaction_per_migration: Fact | None = None
    guard_plain: Fact | None = None
    """alembic-zdm guards plain revisions (lock timeout and retry) and the project uses it."""

    @property
    def lock_timeout_in_effect(self) -> Fact | None:
        """The setting that puts a lock timeout on every plain revision's DDL, if any."""
        if self.lock_timeout is not None and self.lock_timeout.value.lower() not in _DISABLED:
            return self.lock_timeout
        return self.guard_plain

    def fingerprint(self) -> str:
        """What changes findings, for the result cache."""
        return repr(
            [
                (f.value, f.where) if f else None
                for f in (
                    self.dialect,
                    self.lock_timeout,
                    self.statement_timeout,
                    self.transaction_per_migration,
                    self.guard_plain,
                )
            ]
        ) + str(self.env_py)


NO_PROJECT = Project()


FORWARD_PHASES = ("upgrade", "expand", "migrate", "contract")
UNDO_PHASES = ("downgrade", "undo_expand", "undo_migrate", "undo_contract")
PHASE_FUNCTIONS = ("expand", "migrate", "contract")
ALL_FUNCTIONS = FORWARD_PHASES + UNDO_PHASES
BEFORE_DEPLOY = frozenset({"expand", "migrate"})


@dataclasses.dataclass(slots=True)
class Revision:
    """A revision file (or a SQL script) as the rules see it."""

    path: str
    revision: str | None = None
    down_revisions: tuple[str, ...] = ()
    is_revision: bool = True
    phased: bool = False
    sql_mode: bool = False
    functions: dict[str, FunctionInfo] = dataclasses.field(default_factory=dict)
    actions: list[Action] = dataclasses.field(default_factory=list)
    problems: list[Problem] = dataclasses.field(default_factory=list)
    unreadable: list[Problem] = dataclasses.field(default_factory=list)
    """SQL that no parser could read for the target: it was not checked (rule ZDM903)."""
    project: Project = NO_PROJECT
    """Settings of the project that hold for every revision (``env.py``, ``alembic.ini``)."""

    def forward(self) -> list[Action]:
        """Actions of the forward functions (``upgrade`` or the phases), in run order."""
        return [a for a in self.actions if a.phase not in UNDO_PHASES]


@dataclasses.dataclass(frozen=True, slots=True)
class Finding:
    """One reported problem; ``span`` (first, last line) bounds where a suppression may sit."""

    path: str
    line: int
    col: int
    rule: str
    message: str
    help: str = ""
    severity: Severity = Severity.ERROR
    span: tuple[int, int] = (0, 0)

    def sort_key(self) -> tuple[str, int, int, str, str]:
        """Order of output: by file, then position, then rule."""
        return (self.path, self.line, self.col, self.rule, self.message)
