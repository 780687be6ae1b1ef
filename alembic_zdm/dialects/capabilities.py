"""What each database can do online, by version — every such fact in one place.

:func:`profile` answers for a dialect name and server version; the dialect modules,
their plan functions and ``docs/dialects.md`` all read from here, so a version
fact is written once. ``None`` as the version (offline, no version given) means
"the oldest supported version", so offline SQL is what every supported server runs.
"""

from __future__ import annotations

from ..frozen import frozen_record

Version = tuple[int, ...]

MIN_VERSIONS: dict[str, Version] = {
    "postgresql": (12,),
    "mysql": (8, 0),
    "mariadb": (10, 6),
    "sqlite": (3, 35),
}
"""The oldest server alembic-zdm's safe operations support, per dialect."""

INSTANT_ROW_VERSION_LIMIT = 64
"""MySQL 8.0.29+: a table may go through 64 INSTANT add/drop column changes before it
must be rebuilt (``information_schema.innodb_tables.total_row_versions``)."""
ROW_VERSION_MARGIN = 4
"""Refuse an INSTANT change when this close to the limit (a rebuild resets the count)."""


@frozen_record
class Capabilities:
    """The online-DDL facts one server version offers (see the module docstring)."""

    dialect: str
    version: Version
    transactional_ddl: bool
    """DDL can be rolled back (PostgreSQL, SQLite); MySQL commits every DDL statement."""
    concurrent_index: bool = False
    """``CREATE INDEX CONCURRENTLY`` (PostgreSQL)."""
    not_valid_constraints: bool = False
    """``ADD CONSTRAINT … NOT VALID`` + ``VALIDATE`` (PostgreSQL)."""
    instant_add_column: bool = False
    """``ADD COLUMN … ALGORITHM=INSTANT`` (MySQL 8.0.12+ except 8.0.29, MariaDB 10.3+)."""
    instant_drop_column: bool = False
    """``DROP COLUMN … ALGORITHM=INSTANT`` (MySQL 8.0.30+, MariaDB 10.4+)."""
    instant_rename_column: bool = False
    """``RENAME COLUMN … ALGORITHM=INSTANT`` (MySQL 8.0.28+, MariaDB 10.5+)."""
    instant_row_versions: bool = False
    """INSTANT column changes count towards the 64 row-version limit (MySQL 8.0.29+)."""
    ddl_wait_clause: bool = False
    """``ALTER TABLE t WAIT n`` with sub-second *n* (MariaDB 10.3+)."""
    enforced_check: bool = False
    """CHECK constraints are enforced (MySQL 8.0.16+, MariaDB 10.2+, all others)."""
    check_needs_copy: bool = False
    """Adding a CHECK constraint copies the table under a write lock (MySQL, MariaDB)."""
    partial_index: bool = False
    """``CREATE INDEX … WHERE`` (PostgreSQL, SQLite)."""
    native_drop_column: bool = True
    """``ALTER TABLE … DROP COLUMN`` exists (SQLite 3.35+)."""
    native_alter_column: bool = True
    """Nullability, defaults and constraints change without recreating the table
    (everything but SQLite, which uses Alembic's batch mode)."""
    single_writer: bool = False
    """The database serialises all writers (SQLite): phases are about correctness."""
    statement_timeout_variable: str | None = None
    """Session variable bounding a statement's run time (``None``: none for DDL)."""

    @property
    def version_text(self) -> str:
        """``8.0.29`` (``oldest supported`` when the version is unknown)."""
        return ".".join(str(p) for p in self.version)


def parse_version(info: object) -> Version | None:
    """The leading integers of a server version (``(10, 11, 19)`` from MariaDB's tuple)."""
    if info is None:
        return None
    parts: list[int] = []
    for part in info if isinstance(info, (tuple, list)) else str(info).split("."):
        if isinstance(part, int):
            parts.append(part)
            continue
        digits = "".join(ch for ch in str(part).split("-")[0] if ch.isdigit())
        if not digits or str(part)[: len(digits)] != digits:
            break
        parts.append(int(digits))
    return tuple(parts) or None


def profile(dialect: str, version: Version | None) -> Capabilities:
    """The :class:`Capabilities` of *dialect* at *version* (``None``: the oldest supported)."""
    v = version or MIN_VERSIONS.get(dialect, ())
    if dialect == "postgresql":
        return Capabilities(
            dialect, v, transactional_ddl=True, concurrent_index=True,
            not_valid_constraints=True, enforced_check=True, partial_index=True,
            statement_timeout_variable="statement_timeout",
        )  # fmt: skip
    if dialect == "mysql":
        return Capabilities(
            dialect, v, transactional_ddl=False,
            instant_add_column=v >= (8, 0, 12) and v[:3] != (8, 0, 29),
            instant_drop_column=v >= (8, 0, 30),
            instant_rename_column=v >= (8, 0, 28),
            instant_row_versions=v >= (8, 0, 29),
            enforced_check=v >= (8, 0, 16), check_needs_copy=True,
            statement_timeout_variable=None,
        )  # fmt: skip
    if dialect == "mariadb":
        return Capabilities(
            dialect, v, transactional_ddl=False,
            instant_add_column=v >= (10, 3), instant_drop_column=v >= (10, 4),
            instant_rename_column=v >= (10, 5), ddl_wait_clause=v >= (10, 3),
            enforced_check=True, check_needs_copy=True,
            statement_timeout_variable="max_statement_time",
        )  # fmt: skip
    if dialect == "sqlite":
        return Capabilities(
            dialect, v, transactional_ddl=True, enforced_check=True, partial_index=True,
            native_drop_column=v >= (3, 35), native_alter_column=False, single_writer=True,
        )  # fmt: skip
    return Capabilities(dialect, v, transactional_ddl=False)
