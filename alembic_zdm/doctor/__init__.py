"""``alembic-zdm doctor``: find what failed or half-done migrations leave behind.

Each :class:`Finding` names the object, says what is wrong, and carries the SQL
(or command) that fixes it. Checks:

* INVALID indexes (a failed ``CREATE INDEX CONCURRENTLY``) — PostgreSQL;
* NOT VALID constraints never validated — PostgreSQL;
* dual-write triggers and trigger functions, and ``zdm_`` temporary columns, on
  tables that no in-flight revision is working on;
* phases stuck in ``running`` (a killed runner) and phases that ``failed``.
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
        owned = _in_flight_tables(ctx, script, settings)
        findings = _state_findings(ctx, settings)
        findings += _catalog_findings(ctx, owned)
        return findings

    result: list[Finding] = _with_context(config, work)
    return result


def _in_flight_tables(ctx: MigrationContext, script: Any, settings: Any) -> set[str]:
    """Tables that revisions with some (not all) phases done are still working on."""
    from ..phases import replay
    from ..phases.revisions import load_revision
    from ..phases.state import DONE, RUNNING, state_store

    rows = state_store(ctx, settings).rows(ctx.connection)  # type: ignore[arg-type]
    heads = ctx.get_current_heads()
    applied = {s.revision for s in script.revision_map.iterate_revisions(heads, "base")}
    busy = {r.revision for r in rows if r.status in (DONE, RUNNING)} - applied
    tables: set[str] = set()
    for found in script.walk_revisions():
        if found.revision not in busy:
            continue
        rev = load_revision(found)
        for phase in rev.phases:
            for table, _ in replay.touched_objects(ctx, rev, phase):
                tables.add(table)
    return tables


def _state_findings(ctx: MigrationContext, settings: Any) -> list[Finding]:
    from ..phases.state import FAILED, RUNNING, state_store

    findings = []
    for row in state_store(ctx, settings).rows(ctx.connection):  # type: ignore[arg-type]
        what = f"revision {row.revision}, phase {row.phase.label}"
        if row.status == RUNNING:
            findings.append(
                Finding(
                    "phase-stuck-running",
                    what,
                    f"started {row.started_at:%Y-%m-%d %H:%M:%S} UTC by {row.db_user}@{row.host} and "
                    "never finished (the runner was killed, or is still running)",
                    "If no runner is active: 'alembic upgrade head' continues it (backfills resume "
                    "from their checkpoint), or 'alembic-zdm rollback' undoes the revision's done phases.",
                )
            )
        elif row.status == FAILED:
            findings.append(
                Finding(
                    "phase-failed",
                    what,
                    f"failed: {row.error or 'no error text'}",
                    "Fix the cause, then run the same upgrade again; or 'alembic-zdm rollback'.",
                )
            )
    return findings


def _catalog_findings(ctx: MigrationContext, owned: set[str]) -> list[Finding]:
    from . import catalog

    conn: Any = ctx.connection
    return catalog.leftovers(conn, owned, PREFIX)
