"""Every name alembic-zdm gives a database object, in one place.

Generated names are ``zdm_`` + purpose + table + column(s), joined by ``_``. A name
longer than the dialect's identifier limit (PostgreSQL 63 bytes, MySQL/MariaDB 64)
is cut and ends in an 8-hex-digit hash of the full name, so two long names that
share a prefix stay distinct and the same inputs always give the same name (a
later phase, ``rollback`` and ``doctor`` find the object again by computing it).

Temporary *columns* (shadow and retired columns) are named ``zdm_new_<column>`` and
``zdm_old_<column>`` without the table: a column name is already scoped to its
table, and the short form is what users see in their schema during a migration.
"""

from __future__ import annotations

import hashlib

PREFIX = "zdm_"
"""Every generated object starts with this (``doctor`` looks for it)."""

IDENTIFIER_LIMITS: dict[str, int] = {
    "postgresql": 63,
    "mysql": 64,
    "mariadb": 64,
    "sqlite": 128,
}
"""Longest identifier, in bytes, per SQLAlchemy ``dialect.name``."""

DEFAULT_LIMIT = 63

_HASH_LEN = 8


def identifier_limit(dialect_name: str) -> int:
    """The longest identifier *dialect_name* accepts (63 when unknown)."""
    return IDENTIFIER_LIMITS.get(dialect_name, DEFAULT_LIMIT)


def cap(name: str, dialect_name: str = "postgresql") -> str:
    """Return *name*, or a cut version ending in a hash of it when it is too long."""
    limit = identifier_limit(dialect_name)
    raw = name.encode("utf-8")
    if len(raw) <= limit:
        return name
    digest = hashlib.sha1(raw, usedforsecurity=False).hexdigest()[:_HASH_LEN]
    head = raw[: limit - _HASH_LEN - 1].decode("utf-8", errors="ignore")
    return f"{head}_{digest}"


def object_name(purpose: str, table: str, *columns: str, dialect_name: str = "postgresql") -> str:
    """``zdm_<purpose>_<table>[_<column>…]``, capped for *dialect_name*."""
    return cap("_".join((PREFIX + purpose, table, *columns)), dialect_name)


def dual_write_trigger(
    table: str, old: tuple[str, ...], new: tuple[str, ...], dialect_name: str = "postgresql"
) -> str:
    """Name of the dual-write trigger keeping *old* and *new* columns in step."""
    return object_name("dw", table, *old, *new, dialect_name=dialect_name)


def dual_write_function(
    table: str, old: tuple[str, ...], new: tuple[str, ...], dialect_name: str = "postgresql"
) -> str:
    """Name of the trigger function behind :func:`dual_write_trigger`."""
    return object_name("dwfn", table, *old, *new, dialect_name=dialect_name)


def dual_write_event_trigger(
    table: str,
    old: tuple[str, ...],
    new: tuple[str, ...],
    event: str,
    dialect_name: str = "mysql",
) -> str:
    """Name of the per-event dual-write trigger (MySQL/SQLite: one trigger per event).

    *event* is a short tag: ``ins`` / ``upd`` (MySQL), ``ins_fwd``, ``upd_bwd``… (SQLite).
    """
    return object_name(f"dw_{event}", table, *old, *new, dialect_name=dialect_name)


def check_trigger(table: str, constraint: str, event: str, dialect_name: str = "mysql") -> str:
    """Name of a trigger enforcing CHECK *constraint* on *event* (``ins``/``upd``) (MySQL)."""
    return object_name(f"ck_{event}", table, constraint, dialect_name=dialect_name)


def conversion_function(table: str, column: str, dialect_name: str = "postgresql") -> str:
    """Name of the function converting *column* for its type change (never raises)."""
    return object_name("cv", table, column, dialect_name=dialect_name)


def conversion_check(table: str, column: str, dialect_name: str = "postgresql") -> str:
    """Name of the function telling whether a row's *column* converts."""
    return object_name("cvok", table, column, dialect_name=dialect_name)


def not_null_check(table: str, column: str, dialect_name: str = "postgresql") -> str:
    """Name of the temporary ``CHECK (column IS NOT NULL)`` constraint."""
    return object_name("nn", table, column, dialect_name=dialect_name)


def shadow_column(column: str, dialect_name: str = "postgresql") -> str:
    """The new-typed shadow of *column* during a type change: ``zdm_new_<column>``."""
    return cap(f"{PREFIX}new_{column}", dialect_name)


def retired_column(column: str, dialect_name: str = "postgresql") -> str:
    """Where the old *column* goes when it is swapped out: ``zdm_old_<column>``."""
    return cap(f"{PREFIX}old_{column}", dialect_name)


def shadow_index(index: str, dialect_name: str = "postgresql") -> str:
    """Name of the copy of *index* built on a shadow column."""
    return cap(f"{PREFIX}new_{index}", dialect_name)


def checkpoint_key(table: str, columns: tuple[str, ...]) -> str:
    """The checkpoint key of a backfill of *columns* of *table* (not a DB object)."""
    return "backfill:" + table + ":" + ",".join(columns)


def retired_index(index: str, dialect_name: str = "postgresql") -> str:
    """Name of the copy of *index* built on a column being swapped back (rollback)."""
    return cap(f"{PREFIX}old_{index}", dialect_name)


def archive_table(table: str, stamp: str, *columns: str, dialect_name: str = "postgresql") -> str:
    """Where a contract step keeps a dropped *table* (or the *columns* of one): ``zdm_arch_…``.

    *stamp* (a UTC time) keeps repeated archives of the same object apart; the name
    is capped like every other, the stamp surviving in the hash when it is cut.
    """
    return cap(f"{PREFIX}arch_{table}{''.join('_' + c for c in columns)}_{stamp}", dialect_name)


def archive_relation(name: str, stamp: str, dialect_name: str = "postgresql") -> str:
    """A new name for an index or sequence moving into the archive schema where *name* is taken."""
    return cap(f"{PREFIX}arch_{name}_{stamp}", dialect_name)


ARCHIVE_CATALOG = "zdm_archive_catalog"
"""The table listing every archive, next to them (the archive schema or database)."""
