"""Kill a phase run at a statement, recover, and compare the database with a clean run.

A *scenario* is a setup revision (a small table with rows) and one revision using an
op. :func:`kill_matrix` runs it once uninterrupted (counting the statements the
runner records), then for every statement k and both sides of it (``before``: its
progress mark is written, the statement has not run; ``after``: it ran, its ``done``
mark is not written) kills the run there, and recovers twice:

* ``alembic-zdm rollback`` → the database must equal the pre-revision snapshot;
* the same kill again, then ``alembic upgrade head`` → it must equal the clean run
  (whose ``alembic downgrade setup`` must bring back the pre-revision snapshot).

Kill points that leave the database in a state an earlier point already left (a kill
anywhere inside one PostgreSQL transaction leaves what its last commit left) are not
recovered again: recovery reads nothing but that state — schema, data, functions,
the state table and the version table, all in the compared signature — so its
outcome is the one already checked. :class:`Outcome` counts both.

The kill is :class:`~alembic_zdm.phases.progress.SimulatedKill`: raised where the
statement would be, caught by nothing, so the transaction open at that moment rolls
back exactly as the server rolls back a killed client's (real SIGKILLs: see
``test_sigkill.py``).
"""

from __future__ import annotations

import dataclasses
import json
import os
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from sqlalchemy import create_engine, inspect, make_url, text

from alembic_zdm.phases import commands
from alembic_zdm.phases.progress import SimulatedKill, arm_kill, statements_seen
from alembic_zdm.testing.project import make_project

_MODE = os.environ.get("ZDM_KILL_MATRIX", "").lower()
FULL = _MODE == "full" or (os.environ.get("CI", "").lower() == "true" and _MODE != "middle")
"""Kill at every statement, both sides: under ``CI=true`` and ``ZDM_KILL_MATRIX=full``
(``ZDM_KILL_MATRIX=middle``: only the middle statement, the quick local default)."""

IGNORED_TABLES = {"alembic_zdm_state", "zdm_archive_catalog"}
ARCHIVED = "zdm_arch_"


def snapshot(url: str) -> dict[str, Any]:
    """Schema (columns, indexes, constraints, triggers) and data of every table."""
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            insp = inspect(conn)
            out: dict[str, Any] = {}
            for table in sorted(set(insp.get_table_names()) - IGNORED_TABLES):
                if table.startswith(ARCHIVED):
                    continue  # SQLite keeps archives in the same file; named by the time
                cols = sorted(  # by name: a column re-added by an undo comes last
                    (c["name"], str(c["type"]), c["nullable"], str(c.get("default")))
                    for c in insp.get_columns(table)
                )
                indexes = sorted(
                    (i["name"], tuple(i["column_names"]), bool(i["unique"]))
                    for i in insp.get_indexes(table)
                )
                fks = sorted(
                    (f["name"], tuple(f["constrained_columns"]))
                    for f in insp.get_foreign_keys(table)
                )
                checks = sorted(
                    (c["name"], " ".join(str(c["sqltext"]).split())) for c in _checks(insp, table)
                )
                uniques = sorted(
                    (u["name"], tuple(u["column_names"]))
                    for u in insp.get_unique_constraints(table)
                )
                names = [c[0] for c in cols]
                order = ", ".join(conn.dialect.identifier_preparer.quote(n) for n in names)
                rows = sorted(
                    (tuple(r) for r in conn.execute(text(f"SELECT {order} FROM {table}"))), key=repr
                )
                out[table] = {
                    "columns": cols,
                    "indexes": indexes,
                    "fks": fks,
                    "checks": checks,
                    "uniques": uniques,
                    "rows": rows,
                }
            out["triggers"] = _triggers(conn)
            out["invalid"] = _invalid_indexes(conn)
            out["functions"] = _functions(conn)
            return out
    finally:
        engine.dispose()


def _checks(insp: Any, table: str) -> list[dict[str, Any]]:
    try:
        return list(insp.get_check_constraints(table))
    except NotImplementedError:
        return []


def _triggers(conn: Any) -> list[str]:
    name = conn.dialect.name
    if name == "postgresql":
        q = "SELECT tgname FROM pg_trigger WHERE NOT tgisinternal ORDER BY 1"
    elif name == "sqlite":
        q = "SELECT name FROM sqlite_master WHERE type = 'trigger' ORDER BY 1"
    else:
        q = "SELECT trigger_name FROM information_schema.triggers WHERE trigger_schema = DATABASE() ORDER BY 1"
    return [r[0] for r in conn.execute(text(q))]


def _functions(conn: Any) -> list[str]:
    if conn.dialect.name != "postgresql":
        return []
    q = (
        "SELECT p.proname FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace "
        "WHERE n.nspname = 'public' ORDER BY 1"
    )
    return [r[0] for r in conn.execute(text(q))]


def signature(url: str) -> str:
    """Everything a recovery reads: :func:`snapshot` plus the state and version tables."""
    snap = snapshot(url)
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            rows = []
            if inspect(conn).has_table("alembic_zdm_state"):
                for r in conn.execute(
                    text(
                        "SELECT revision, phase, status, checkpoint, progress FROM alembic_zdm_state ORDER BY 1, 2"
                    )
                ):
                    progress = json.loads(r[4]) if r[4] else {}
                    progress.pop("backend", None)
                    rows.append((r[0], r[1], r[2], r[3], json.dumps(progress, sort_keys=True)))
            versions = [r[0] for r in conn.execute(text("SELECT version_num FROM alembic_version"))]
    finally:
        engine.dispose()
    return repr((snap, rows, versions))


def _invalid_indexes(conn: Any) -> list[str]:
    if conn.dialect.name != "postgresql":
        return []
    q = "SELECT indexrelid::regclass::text FROM pg_index WHERE NOT indisvalid ORDER BY 1"
    return [r[0] for r in conn.execute(text(q))]


@dataclasses.dataclass
class Outcome:
    """What the matrix did, for the assertion message and the report."""

    statements: int = 0
    points: int = 0
    distinct: int = 0
    """Kill points whose post-kill state no earlier point left (each recovered both ways)."""
    reruns: int = 0
    rollbacks: int = 0
    refused: int = 0
    """Rollbacks refused by design (a dropped table), with their sentence."""
    failures: list[str] = dataclasses.field(default_factory=list)


def _upgrade(cfg: Config, target: str = "head") -> None:
    command.upgrade(cfg, target)


def _killed(cfg: Config, k: int, when: str) -> bool:
    arm_kill(k, when)
    try:
        _upgrade(cfg)
    except SimulatedKill:
        return True
    finally:
        arm_kill(0)
    return False


def kill_points(statements: int, full: bool) -> list[tuple[int, str]]:
    """Every statement, both sides (*full*); else the middle statement, after it ran."""
    if full:
        return [(k, when) for k in range(1, statements + 1) for when in ("before", "after")]
    return [((statements + 1) // 2, "after")]


def kill_matrix(
    root: Path,
    url: str,
    setup: str,
    body: str,
    rollback_data: bool = True,
    undoable: bool = True,
    full: bool = True,
) -> Outcome:
    """Run the whole matrix for one op on one database (see the module doc).

    :param rollback_data: compare data after ``rollback`` too (not for drops, whose
        undo restores the schema only).
    :param undoable: False when undoing the contract is refused by design (a dropped
        table): a rollback then must say so, and leave the next point a reset database.
    """
    cfg = make_project(root, url, [("setup", setup), ("op", body)])
    cfg.attributes["configure_logger"] = False
    _upgrade(cfg, "setup")
    pre = snapshot(url)
    arm_kill(0)
    _upgrade(cfg)
    out = Outcome(statements=statements_seen())
    ref = snapshot(url)
    assert ref != pre, "the op changed nothing: the scenario tests nothing"
    if undoable:
        command.downgrade(cfg, "setup")
        got, want = snapshot(url), pre
        if not rollback_data:
            got, want = _schema_only(got), _schema_only(want)
        _same(out, "downgrade of the clean run", got, want)
    else:
        _reset(cfg, url)
    seen: set[str] = set()
    for k, when in kill_points(out.statements, full):
        out.points += 1
        where = f"kill {when} statement {k} of {out.statements}"
        if not _killed(cfg, k, when):
            out.failures.append(f"{where}: the run did not reach that statement")
            continue
        state = signature(url)
        if state in seen:
            _reset(cfg, url)
            continue
        seen.add(state)
        out.distinct += 1
        _recover_by_rollback(cfg, url, where, pre, out, rollback_data, undoable)
        if _killed(cfg, k, when):
            _recover_by_rerun(cfg, url, where, pre, ref, out)
        else:
            out.failures.append(f"{where}: the second run did not reach that statement")
    return out


def _recover_by_rollback(
    cfg: Config, url: str, where: str, pre: Any, out: Outcome, data: bool, undoable: bool
) -> None:
    try:
        commands.rollback(cfg)
    except Exception as exc:
        if not undoable and "cannot be restored by a rollback" in str(exc):
            out.refused += 1
            _reset(cfg, url)
            return
        out.failures.append(f"{where}, then rollback: raised {type(exc).__name__}: {exc}")
        _reset(cfg, url)
        return
    out.rollbacks += 1
    got, want = snapshot(url), pre
    if not data:
        got, want = _schema_only(got), _schema_only(pre)
    if not _same(out, f"{where}, then rollback", got, want):
        _reset(cfg, url)
    elif not data:
        _reset(cfg, url)  # the dropped data is gone: start the next point from the setup


def _schema_only(snap: dict[str, Any]) -> dict[str, Any]:
    return {k: ({**v, "rows": None} if isinstance(v, dict) else v) for k, v in snap.items()}


def _recover_by_rerun(cfg: Config, url: str, where: str, pre: Any, ref: Any, out: Outcome) -> None:
    try:
        _upgrade(cfg)
    except Exception as exc:
        out.failures.append(f"{where}, then re-run: raised {type(exc).__name__}: {exc}")
        _reset(cfg, url)
        return
    out.reruns += 1
    _same(out, f"{where}, then re-run", snapshot(url), ref)
    _reset(cfg, url)


def _same(out: Outcome, what: str, got: Any, want: Any) -> bool:
    if got == want:
        return True
    diff = {k: (got.get(k), want.get(k)) for k in set(got) | set(want) if got.get(k) != want.get(k)}
    out.failures.append(f"{what}: differs: {diff}")
    return False


def _reset(cfg: Config, url: str) -> None:
    """After a failed point: drop everything and start again from the setup revision."""
    engine = create_engine(url)
    try:
        with engine.begin() as conn:
            insp = inspect(conn)
            if conn.dialect.name == "mysql":
                conn.exec_driver_sql("SET FOREIGN_KEY_CHECKS = 0")
            cascade = " CASCADE" if conn.dialect.name == "postgresql" else ""
            for table in insp.get_table_names():
                name = conn.dialect.identifier_preparer.quote(table)
                conn.exec_driver_sql(f"DROP TABLE IF EXISTS {name}{cascade}")
            if conn.dialect.name == "mysql":  # the archive database (docs/safety.md)
                conn.exec_driver_sql(
                    f"DROP DATABASE IF EXISTS `{make_url(url).database}_zdm_archive`"
                )
            if conn.dialect.name == "postgresql":
                conn.exec_driver_sql("DROP SCHEMA IF EXISTS zdm_archive CASCADE")
                for (fn,) in conn.exec_driver_sql(
                    "SELECT p.oid::regprocedure::text FROM pg_proc p JOIN pg_namespace n "
                    "ON n.oid = p.pronamespace WHERE n.nspname = 'public'"
                ).all():
                    conn.exec_driver_sql(f"DROP FUNCTION IF EXISTS {fn}")
    finally:
        engine.dispose()
    command.upgrade(cfg, "setup")
