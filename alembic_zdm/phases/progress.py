"""Statement-level progress of a phase step: what committed, so a killed run resumes.

Every statement a step runs — alembic-zdm's own (through the executor) and plain
Alembic ops (through ``ctx.impl._exec``) — is recorded in the step's state row:

* just before it runs, as ``doing`` (its fingerprint: a hash of its SQL and values);
* just after, appended to ``done``.

Both writes go to the connection's current transaction. Where DDL is transactional
(PostgreSQL), a statement and its record commit or roll back together, so ``done``
is exactly what committed; an autocommit statement (``CONCURRENTLY``) is recorded in
autocommit too. Where DDL commits by itself (MySQL/MariaDB), the ``doing`` record is
committed by that implicit commit, so a kill during the statement leaves ``doing``.

A re-run of the step replays the step's code: a statement whose fingerprint is in
``done`` is skipped; the one that was ``doing`` runs again, and an error saying its
effect is already there (the column exists, the trigger is gone …) counts as done.
Undoing a step that did not finish (``rollback`` of a ``partial`` step) accepts
those errors for every statement: the undo may meet objects the step never made.

Test hook: ``ZDM_TEST_KILL_AT=N:before|after[:exit|sigkill]`` ends the process at
the N-th recorded statement (``os._exit`` or a real ``SIGKILL``); tests running
in-process use :func:`arm_kill`, which raises :class:`SimulatedKill` instead.
"""

from __future__ import annotations

import contextlib
import contextvars
import dataclasses
import hashlib
import logging
import os
import signal
from collections import Counter
from collections.abc import Callable, Iterator
from typing import Any

from .model import Phase
from .transactions import in_autocommit

log = logging.getLogger("alembic.runtime.zdm")

_current: contextvars.ContextVar[StepProgress | None] = contextvars.ContextVar(
    "alembic_zdm_step_progress", default=None
)


class SimulatedKill(BaseException):
    """Raised by an armed kill point in tests: nothing catches it, like a real kill."""


@dataclasses.dataclass
class _Kill:
    at: int = 0
    when: str = "before"
    how: str = "raise"
    count: int = 0
    match: str = ""


_kill = _Kill()


def arm_kill(at: int, when: str = "before", how: str = "raise", match: str = "") -> None:
    """Stop the run at the *at*-th recorded statement (1-based; 0 disarms), *when* is
    ``before`` (after its ``doing`` record) or ``after`` (before its ``done`` record);
    with *match*, at the *at*-th statement whose SQL contains *match*."""
    _kill.at, _kill.when, _kill.how, _kill.count, _kill.match = at, when, how, 0, match


def statements_seen() -> int:
    """How many statements were recorded since the last :func:`arm_kill`."""
    return _kill.count


def _arm_from_env() -> None:
    spec = os.environ.get("ZDM_TEST_KILL_AT", "")
    if spec:
        parts = spec.split(":")
        arm_kill(int(parts[0]), parts[1] if len(parts) > 1 else "before", *parts[2:3] or ["exit"])


def _count(sql: str) -> None:
    if not _kill.match or _kill.match in sql:
        _kill.count += 1


def _kill_point(when: str) -> None:
    if not _kill.at or _kill.count != _kill.at or _kill.when != when:
        return
    _kill.at = 0
    if _kill.how == "sigkill":
        os.kill(os.getpid(), signal.SIGKILL)
    if _kill.how == "exit":
        os._exit(137)
    raise SimulatedKill(f"killed {when} statement {_kill.count}")


_arm_from_env()


def tick(when: str) -> None:
    """A kill point for work that keeps its own record (a backfill batch and its
    checkpoint commit together): counted like a statement, nothing written."""
    if _current.get() is None:
        return
    if when == "before":
        _count("backfill batch")
    _kill_point(when)


def fingerprint(sql: str, params: Any = None) -> str:
    """A short, stable hash of a statement's SQL text and bound values."""
    text = sql if params in (None, {}, [], ()) else f"{sql}\x00{params!r}"
    return hashlib.sha1(text.encode(), usedforsecurity=False).hexdigest()[:16]


def _label(sql: str, description: str = "") -> str:
    one = description or " ".join(sql.split())
    return one if len(one) <= 100 else one[:97] + "..."


class StepProgress:
    """The progress record of one step (revision, phase, direction) on its state row.

    :param store: the :class:`~alembic_zdm.phases.state.StateStore`.
    :param connection: returns the connection to write on *now* (Alembic swaps it
        for an autocommit one inside ``autocommit_block()``).
    :param lenient: accept "already there / already gone" errors for every statement
        (undoing a step that did not finish).
    """

    def __init__(
        self,
        store: Any,
        connection: Callable[[], Any],
        revision: str,
        phase: Phase,
        undo: bool,
        dialect_name: str,
        lenient: bool = False,
    ) -> None:
        self.store = store
        self.connection = connection
        self.revision = revision
        self.phase = phase
        self.undo = undo
        self.dialect_name = dialect_name
        self.lenient = lenient
        self.done: list[list[str]] = []
        self.earlier: Counter[str] = Counter()
        self.in_flight: str | None = None
        self.resuming = False
        self.busy = 0
        self.backend: int | None = None

    # ---- state row

    def load(self) -> dict[str, Any]:
        """Read the record of earlier attempts of this step (call at each attempt start)."""
        from .resume import backend_id

        conn = self.connection()
        if self.backend is None:
            self.backend = backend_id(conn)
        data: dict[str, Any] = self.store.load_progress(conn, self.revision, self.phase)
        if bool(data.get("undo")) != self.undo:
            data = {}
        self.done = [list(d) for d in data.get("done", [])]
        self.earlier = Counter(d[0] for d in self.done)
        doing = data.get("doing")
        self.in_flight = doing[0] if doing else None
        self.resuming = bool(self.done or self.in_flight)
        return data

    def _save(self, doing: list[str] | None) -> None:
        record = {"undo": self.undo, "done": self.done, "doing": doing, "backend": self.backend}
        self.store.save_progress(self.connection(), self.revision, self.phase, record)

    # ---- one statement

    def run(
        self,
        sql: str,
        params: Any,
        description: str,
        execute: Callable[[], Any],
        already_done: Callable[[BaseException], bool],
        savepoint: bool = False,
    ) -> Any:
        """Run one statement of the step through its progress record (see the module doc).

        :param savepoint: wrap a try that may be forgiven in a savepoint (a plain op in an
            open PostgreSQL transaction, where a failed statement aborts the transaction).
        """
        if self.busy:
            return execute()
        fp = fingerprint(sql, params)
        if self.earlier[fp] > 0:
            self.earlier[fp] -= 1
            log.info("zdm: already done in an earlier run, skipped: %s", _label(sql, description))
            return None
        forgiving = self.lenient or fp == self.in_flight
        self._save([fp, _label(sql, description)])
        _count(sql)
        _kill_point("before")
        self.busy += 1
        try:
            result = self._try(execute, already_done, forgiving, savepoint, sql)
        finally:
            self.busy -= 1
        if fp == self.in_flight:
            self.in_flight = None
        _kill_point("after")
        self.done.append([fp, _label(sql, description)])
        self._save(None)
        return result

    def _try(
        self,
        execute: Callable[[], Any],
        already_done: Callable[[BaseException], bool],
        forgiving: bool,
        savepoint: bool,
        sql: str,
    ) -> Any:
        if not forgiving:
            return execute()
        conn = self.connection()
        # no savepoint on an autocommit connection (a revision's own autocommit_block():
        # SQLAlchemy has a transaction object there, the database has no transaction)
        in_block = savepoint and conn.in_transaction() and not in_autocommit(conn)
        nested = conn.begin_nested() if in_block else None
        try:
            result = execute()
        except Exception as exc:
            if nested is not None:
                nested.rollback()
            if not already_done(exc):
                raise
            log.info("zdm: effect already there, counted as done: %s", _label(sql))
            return None
        if nested is not None:
            nested.commit()
        return result

    @contextlib.contextmanager
    def unrecorded(self) -> Iterator[None]:
        """Statements run inside the block are not recorded (nested ones, bookkeeping)."""
        self.busy += 1
        try:
            yield
        finally:
            self.busy -= 1

    # ---- what it did

    @property
    def committed(self) -> list[str]:
        """Labels of the statements recorded as done (after a failure: what committed)."""
        return [d[1] for d in self.done]


def current_progress() -> StepProgress | None:
    """The progress record of the step running now, or ``None`` (outside the runner)."""
    return _current.get()


@contextlib.contextmanager
def recording(progress: StepProgress, ctx: Any) -> Iterator[StepProgress]:
    """Make *progress* current and route the context's plain-op statements through it."""
    token = _current.set(progress)
    impl = ctx.impl
    original = impl._exec
    wrapped_already = "_exec" in vars(impl)  # another wrapper of this run: put it back

    def _exec(construct: Any, *args: Any, **kw: Any) -> Any:
        sql = _recordable(construct, ctx)
        if sql is None or progress.busy:
            return original(construct, *args, **kw)
        extra = [a for a in args if a] + [
            v for k, v in sorted(kw.items()) if v and k != "execution_options"
        ]
        return progress.run(
            sql,
            extra or None,
            "",
            lambda: original(construct, *args, **kw),
            lambda exc: already_there(ctx.dialect.name, exc),
            savepoint=bool(impl.transactional_ddl),
        )

    impl._exec = _exec
    try:
        yield progress
    finally:
        if wrapped_already:
            impl._exec = original
        else:
            del impl._exec
        _current.reset(token)


_READS = ("select", "set ", "show", "pragma", "with ", "values", "explain")


def _recordable(construct: Any, ctx: Any) -> str | None:
    """The SQL of *construct* when it changes something (reads and settings are not recorded)."""
    from sqlalchemy.sql.elements import TextClause
    from sqlalchemy.sql.selectable import Selectable

    if isinstance(construct, str):
        sql = construct
    elif isinstance(construct, TextClause):
        sql = construct.text
    elif isinstance(construct, Selectable):
        return None
    else:
        try:
            sql = str(construct.compile(dialect=ctx.dialect))
        except Exception:
            return None
    return None if sql.lstrip().lower().startswith(_READS) else sql


# ---- "its effect is already there" errors, per database

_PG_THERE = {"42701", "42P07", "42710", "42704", "42703", "42P01", "42883", "42P06"}
# 1304/1305: a stored function already exists / does not exist (conversion functions)
_MYSQL_THERE = {1050, 1051, 1054, 1060, 1061, 1091, 1146, 1176, 1304, 1305, 1359, 1360, 1826, 3822, 4025}
_SQLITE_THERE = (
    "already exists",
    "duplicate column name",
    "no such column",
    "no such table",
    "no such index",
    "no such trigger",
)


def already_there(dialect_name: str, error: BaseException | None) -> bool:
    """True for an error saying the object a DDL statement makes (or removes) is
    already there (or already gone): the statement's effect holds."""
    while error is not None:
        if _there(dialect_name, error):
            return True
        error = error.__cause__
    return False


def _there(dialect_name: str, error: BaseException) -> bool:
    orig = getattr(error, "orig", error)
    if dialect_name == "postgresql":
        code = getattr(orig, "sqlstate", None) or getattr(orig, "pgcode", None)
        return code in _PG_THERE
    if dialect_name in ("mysql", "mariadb"):
        args: tuple[Any, ...] = tuple(getattr(orig, "args", ()))
        return bool(args) and args[0] in _MYSQL_THERE
    if dialect_name == "sqlite":
        text = str(orig).lower()
        return any(m in text for m in _SQLITE_THERE)
    return False
