"""``alembic-zdm doctor``: find what failed or half-done migrations leave behind.

Each :class:`Finding` names the object, says what is wrong, and carries the SQL
(or command) that fixes it. Checks:

* INVALID indexes (a failed ``CREATE INDEX CONCURRENTLY``) — PostgreSQL;
* NOT VALID constraints never validated — PostgreSQL;
* dual-write triggers and trigger functions, and ``zdm_`` temporary columns, on
  tables that no in-flight revision is working on;
* phases stuck in ``running`` (a killed runner), ``partial`` and ``failed`` phases.

Advice never runs a later phase than the stuck one (``zdm-phase:N``, not ``head``),
objects that belong to a finished op are never called leftovers (the triggers
that enforce ``add_check_constraint_safe`` on MySQL/MariaDB), and a revision whose
phase functions raise becomes one finding instead of a crash.
"""

from __future__ import annotations

import dataclasses
from typing import TYPE_CHECKING, Any

from ..naming import PREFIX

if TYPE_CHECKING:
    from alembic.config import Config
    from alembic.runtime.migration import MigrationContext


@dataclasses.dataclass(frozen=True)
class Finding:
    """One leftover and how to fix it."""

    kind: str
    object: str
    detail: str
    fix: str

    def as_dict(self) -> dict[str, str]:
        """JSON-friendly form."""
        return dataclasses.asdict(self)


def diagnose(config: Config) -> list[Finding]:
    """Run every check against the database of *config* (through its ``env.py``)."""
    from ..config import load_settings
    from ..phases.report import _with_context

    settings = load_settings(config)

    def work(ctx: MigrationContext) -> list[Finding]:
        from ..phases.revisions import script_directory

        script = script_directory(config)
        unreadable: list[Finding] = []
        owned = _in_flight_tables(ctx, script, settings, unreadable)
        findings = _state_findings(ctx, settings)
        findings += unreadable
        findings += _catalog_findings(ctx, owned)
        return findings

    result: list[Finding] = _with_context(config, work)
    return result


def _in_flight_tables(
    ctx: MigrationContext, script: Any, settings: Any, unreadable: list[Finding]
) -> set[str] | None:
    """Tables that revisions with some (not all) phases done are still working on.

    ``None`` when a revision in flight cannot be read: then no table can be called
    unowned, and *unreadable* gets a finding naming the revision.
    """
    from ..phases import replay
    from ..phases.revisions import load_revision
    from ..phases.state import DONE, UNFINISHED, state_store

    rows = state_store(ctx, settings).rows(ctx.connection)  # type: ignore[arg-type]
    heads = ctx.get_current_heads()
    applied = {s.revision for s in script.revision_map.iterate_revisions(heads, "base")}
    busy = {r.revision for r in rows if r.status == DONE or r.status in UNFINISHED} - applied
    tables: set[str] | None = set()
    for found in script.walk_revisions():
        if found.revision not in busy:
            continue
        try:
            rev = load_revision(found)
            for phase in rev.phases:
                for table, _ in replay.touched_objects(ctx, rev, phase):
                    if tables is not None:
                        tables.add(table)
        except Exception as exc:
            tables = None
            unreadable.append(
                Finding(
                    "revision-unreadable",
                    f"revision {found.revision}",
                    f"its phase functions raise {type(exc).__name__}: {_one_line(exc)}, so "
                    "doctor cannot tell which objects it owns (none are reported as leftovers)",
                    f"Fix {found.path.rsplit('/', 1)[-1] if found.path else 'the revision file'}, "
                    "then run doctor again.",
                )
            )
    return tables


def _one_line(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return text[0] if text else type(exc).__name__


def _resume_advice(row: Any) -> str:
    """The commands that continue or undo a stuck phase, never running a later phase."""
    target = f"alembic upgrade zdm-phase:{int(row.phase)}"
    return (
        f"'{target}' continues it from the statement where it stopped (backfills resume from "
        f"their checkpoint) without running any later phase; or 'alembic-zdm rollback' "
        "undoes what it did and the revision's done phases."
    )


def _state_findings(ctx: MigrationContext, settings: Any) -> list[Finding]:
    from ..phases.state import FAILED, PARTIAL, RUNNING, state_store

    findings = []
    for row in state_store(ctx, settings).rows(ctx.connection):  # type: ignore[arg-type]
        what = f"revision {row.revision}, phase {row.phase.label}"
        committed = [d[1] for d in row.progress.get("done", [])]
        kept = f"; committed so far: {'; '.join(committed[:3])}" if committed else ""
        if row.status == RUNNING:
            started = f"{row.started_at:%Y-%m-%d %H:%M:%S} UTC" if row.started_at else "earlier"
            findings.append(
                Finding(
                    "phase-stuck-running",
                    what,
                    f"started {started} by {row.db_user}@{row.host} and never finished (the "
                    f"runner was killed, or is still running){kept}",
                    "If no runner is active: " + _resume_advice(row),
                )
            )
        elif row.status == PARTIAL:
            findings.append(
                Finding(
                    "phase-partial",
                    what,
                    f"failed and could not be rolled back entirely: {row.error or 'no error text'}"
                    f"{kept}",
                    "Fix the cause, then " + _resume_advice(row),
                )
            )
        elif row.status == FAILED:
            findings.append(
                Finding(
                    "phase-failed",
                    what,
                    f"failed and was rolled back: {row.error or 'no error text'}",
                    f"Fix the cause, then run 'alembic upgrade zdm-phase:{int(row.phase)}' "
                    "again; or 'alembic-zdm rollback' to undo the revision's done phases.",
                )
            )
    return findings


def _catalog_findings(ctx: MigrationContext, owned: set[str] | None) -> list[Finding]:
    from . import catalog

    if owned is None:
        return []
    conn: Any = ctx.connection
    return catalog.leftovers(conn, owned, PREFIX)
