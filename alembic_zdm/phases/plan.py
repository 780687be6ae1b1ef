"""``alembic-zdm plan``: what each pending phase would run, and what it would lock.

Two passes through the user's ``env.py``: online (when it can connect) to read the
current heads, the phases already done and row estimates; then offline (``--sql``)
to render exactly the pending phases. Each rendered statement is classified
(:mod:`alembic_zdm.sql.locks`): lock level, table, rewrite / full scan, and the
lock timeout in effect. Lint findings of each revision file are attached when the
linter is installed.
"""

from __future__ import annotations

import dataclasses
import io
import logging
import re
from typing import TYPE_CHECKING, Any

from ..errors import ZdmError
from ..sql.locks import LockInfo, classify
from ..sql.statement import LockLevel
from .model import Phase

if TYPE_CHECKING:
    from alembic.config import Config
    from alembic.runtime.migration import MigrationContext

_MARKER = re.compile(r"^-- alembic-zdm: running (undo )?(expand|migrate|contract) of (\S+)", re.M)
_TIMEOUT = re.compile(
    r"^(?:SET\s+(?:LOCAL\s+|SESSION\s+)?(lock_timeout|lock_wait_timeout)|PRAGMA\s+(busy_timeout))"
    r"\s*(?:=|TO)\s*'?(\d+)",
    re.I,
)
"""The lock wait of the statements that follow: PostgreSQL ``lock_timeout`` (ms),
MySQL ``lock_wait_timeout`` (seconds), SQLite ``busy_timeout`` (ms)."""
_CANNOT = re.compile(r"^-- alembic-zdm: cannot render: (.*)$", re.M)
_NOT_NULL_CHECK = re.compile(r"CHECK \(([\w\"`]+) IS NOT NULL\)", re.I)
_SET_NOT_NULL = re.compile(r"ALTER COLUMN ([\w\"`]+) SET NOT NULL", re.I)
_SKIP = re.compile(
    r"^(BEGIN|COMMIT|RESET|SET\s|SAVEPOINT|RELEASE|-- (?!batch_alter_table|backfill))", re.I
)


@dataclasses.dataclass
class PlannedStatement:
    """One statement of a phase, classified."""

    sql: str
    lock: str
    table: str | None
    rewrites: bool
    scans: bool
    kind: str
    lock_timeout_ms: int | None
    estimated_rows: int | None
    rows_unknown: bool = False
    """The table exists but the catalog has no estimate (never analysed)."""


@dataclasses.dataclass
class PlannedStep:
    """One pending phase of one revision."""

    revision: str
    phase: str
    statements: list[PlannedStatement]
    lint: list[str]
    error: str | None = None
    """Why the step could not be rendered offline (e.g. an op needs ``existing_type``)."""
    warnings: list[str] = dataclasses.field(default_factory=list)
    """Lock hazards of the step as a whole (write-blocking locks on several tables)."""
    keeps: list[Any] = dataclasses.field(default_factory=list)
    """What the step keeps before it drops (:class:`~alembic_zdm.archive.sizes.PlannedArchive`),
    with rows and bytes estimated when connected."""


@dataclasses.dataclass
class PlanReport:
    """The whole plan."""

    connected: bool
    heads: list[str]
    steps: list[PlannedStep]
    dialect: str = ""
    """The ``dialect.name`` the SQL was rendered for (its lock terms are used)."""
    not_connected_because: str | None = None
    """Why ``env.py`` could not connect (then the plan starts from base)."""

    def as_dict(self) -> dict[str, Any]:
        """JSON/YAML-friendly form."""
        return dataclasses.asdict(self)


def _online(
    config: Config,
) -> tuple[list[str], set[tuple[str, Phase]], dict[str, int | None], str]:
    from ..config import load_settings
    from .report import _with_context
    from .state import DONE, state_store

    settings = load_settings(config)

    def work(
        ctx: MigrationContext,
    ) -> tuple[list[str], set[tuple[str, Phase]], dict[str, int | None], str]:
        conn: Any = ctx.connection
        rows = state_store(ctx, settings).rows(conn)
        done = {(r.revision, r.phase) for r in rows if r.status == DONE}
        url = conn.engine.url.render_as_string(hide_password=False)
        return list(ctx.get_current_heads()), done, _estimates(conn), url

    result: tuple[list[str], set[tuple[str, Phase]], dict[str, int | None], str] = _with_context(
        config, work
    )
    return result


def _estimates(conn: Any) -> dict[str, int | None]:
    """Row estimates per table from the catalog; ``None`` when the catalog does not know.

    PostgreSQL 14+ keeps ``reltuples = -1`` until a table is first vacuumed or
    analysed: that is "unknown", unless the table has no page at all (then 0).
    """
    from sqlalchemy import inspect, text

    name = conn.dialect.name
    if name == "postgresql":
        rows = conn.execute(
            text(
                "SELECT c.relname, c.reltuples::bigint, pg_relation_size(c.oid) FROM pg_class c "
                "JOIN pg_namespace n ON n.oid = c.relnamespace "
                "WHERE c.relkind IN ('r', 'p') AND n.nspname NOT IN ('pg_catalog', 'information_schema')"
            )
        )
        return {r[0]: int(r[1]) if r[1] >= 0 else (0 if not r[2] else None) for r in rows}
    if name in ("mysql", "mariadb"):
        rows = conn.execute(
            text(
                "SELECT table_name, table_rows FROM information_schema.tables WHERE table_schema = DATABASE()"
            )
        )
        return {r[0]: int(r[1] or 0) for r in rows}
    prep = conn.dialect.identifier_preparer
    return {
        t: int(conn.execute(text(f"SELECT count(*) FROM {prep.quote(t)}")).scalar() or 0)  # noqa: S608
        for t in inspect(conn).get_table_names()
    }


def _render(
    config: Config,
    start: str | None,
    target: str,
    max_phase: Phase | None,
    done: set[tuple[str, Phase]],
) -> tuple[str, str]:
    """The offline SQL of the pending phases, and the dialect name it was rendered for."""
    from alembic.runtime.environment import EnvironmentContext

    from ..config import load_settings
    from .revisions import script_directory
    from .runner import UpgradeRun

    script = script_directory(config)
    run = UpgradeRun(
        script, load_settings(config), target, max_phase or Phase.CONTRACT, assume_done=done
    )
    dialect: list[str] = []

    def fn(heads: Any, ctx: MigrationContext) -> list[Any]:
        dialect.append(ctx.dialect.name)
        return run(heads, ctx)

    buffer = io.StringIO()
    saved = config.output_buffer
    config.output_buffer = buffer
    # env.py runs a second time here: its INFO header ("Context impl …") was shown once.
    # logging.disable survives the fileConfig() that env.py calls; warnings still show.
    quiet = logging.root.manager.disable
    logging.disable(max(quiet, logging.INFO))
    try:
        with EnvironmentContext(
            config, script, fn=fn, as_sql=True, starting_rev=start, destination_rev=target
        ):
            script.run_env()
    finally:
        config.output_buffer = saved
        logging.disable(quiet)
    return buffer.getvalue(), (dialect[0] if dialect else "")


def _render_with_catalog(
    config: Config,
    url: str,
    start: str | None,
    target: str,
    max_phase: Phase | None,
    done: set[tuple[str, Phase]],
) -> tuple[str, str, list[Any]]:
    """Render offline, letting ops read the catalog of the connected database (if any);
    also what each step would archive, sized on that database."""
    from ..archive.sizes import collecting, estimate

    if not url:
        with collecting() as kept:
            output, dialect = _render(config, start, target, max_phase, done)
        return output, dialect, list(kept)
    from sqlalchemy import create_engine

    from .context import catalog_for_offline

    engine = create_engine(url)
    try:
        with engine.connect() as conn, catalog_for_offline(conn):
            with collecting() as kept:
                output, dialect = _render(config, start, target, max_phase, done)
            sized = [estimate(conn, k) for k in kept]
            conn.rollback()
            return output, dialect, sized
    finally:
        engine.dispose()


def _split(sql: str, dialect: str) -> list[str]:
    if dialect == "postgresql":
        try:
            from pglast import parser

            return [sql[s].strip() for s in parser.split(sql, with_parser=False, only_slices=True)]
        except Exception:
            pass
    return [p.strip() for p in re.split(r";\s*\n", sql) if p.strip()]


def _backfill_info(sql: str, dialect: str) -> LockInfo:
    """A backfill described by ``plan`` (no offline script on this database)."""
    table = sql[len("-- backfill(") :].split(")", 1)[0]
    held = "database write lock" if dialect == "sqlite" else "row locks"
    return LockInfo(LockLevel.ROW_EXCLUSIVE, table, False, True, "backfill",
                    f"{held}, one batch at a time")  # fmt: skip


def _steps(output: str, dialect: str, estimates: dict[str, int | None]) -> list[PlannedStep]:
    steps: list[PlannedStep] = []
    matches = list(_MARKER.finditer(output))
    for i, match in enumerate(matches):
        body = output[match.end() : matches[i + 1].start() if i + 1 < len(matches) else len(output)]
        body = body.split("\n", 1)[1] if "\n" in body else ""
        phase = ("undo " if match.group(1) else "") + match.group(2)
        step = PlannedStep(match.group(3), phase, [], [])
        cannot = _CANNOT.search(body)
        if cannot:
            step.error = cannot.group(1)
            body = body[: cannot.start()]
        timeout: int | None = None
        checked: set[tuple[str | None, str]] = set()
        for sql in _split(body, dialect):
            sql = sql.rstrip(";").strip()
            if not sql:
                continue
            found = _TIMEOUT.match(sql)
            if found:
                seconds = (found.group(1) or "").lower() == "lock_wait_timeout"
                timeout = int(found.group(3)) * (1000 if seconds else 1)
                continue
            if _SKIP.match(sql) or "alembic_version" in sql or "alembic_zdm_state" in sql:
                if sql.upper().startswith(("COMMIT", "RESET")):
                    timeout = None
                continue
            info = (
                _backfill_info(sql, dialect)
                if sql.startswith("-- backfill(")
                else classify(sql, dialect)
            )
            for column in _NOT_NULL_CHECK.findall(sql):
                checked.add((info.table, column.strip('"`')))
            scans = info.scans
            set_not_null = _SET_NOT_NULL.search(sql)
            if set_not_null and (info.table, set_not_null.group(1).strip('"`')) in checked:
                scans = False  # PostgreSQL 12+ proves NOT NULL from the validated CHECK
            bare = info.table.rsplit(".", 1)[-1] if info.table else None
            step.statements.append(
                PlannedStatement(
                    sql=sql,
                    lock=info.shown,
                    table=info.table,
                    rewrites=info.rewrites,
                    scans=scans,
                    kind=info.kind,
                    lock_timeout_ms=timeout if info.lock.value != "none" else None,
                    estimated_rows=estimates.get(bare) if bare else None,
                    rows_unknown=bool(bare) and bare in estimates and estimates[bare] is None,
                )
            )
        step.warnings = _lock_warnings(step)
        steps.append(step)
    return steps


_WRITE_BLOCKING = {"SHARE", "SHARE ROW EXCLUSIVE", "EXCLUSIVE", "ACCESS EXCLUSIVE"}
_REFERENCES = re.compile(
    r"\bREFERENCES\s+((?:\"(?:[^\"]|\"\")+\"|[\w$]+)(?:\.(?:\"(?:[^\"]|\"\")+\"|[\w$]+))?)", re.I
)


def _lock_warnings(step: PlannedStep) -> list[str]:
    """Warn about a step that takes write-blocking locks on two or more tables.

    The step holds the first table's lock while it waits for the next one; the
    runner then rolls the step back and retries it, and each try keeps writers of
    the first table waiting for up to a lock timeout (DESIGN §13).
    """
    tables: list[str] = []
    statements = 0
    for st in step.statements:
        if st.lock not in _WRITE_BLOCKING or not st.table:
            continue
        statements += 1
        # a foreign key also takes SHARE ROW EXCLUSIVE on the table it references
        named = [st.table] + [m.strip('"') for m in _REFERENCES.findall(st.sql)]
        tables += [t for t in named if t not in tables]
    if len(tables) < 2 or statements < 2:
        return []  # one statement alone waits at most one lock timeout per try
    shown = ", ".join(tables)
    return [
        f"this step takes write-blocking locks on {len(tables)} tables ({shown}): while "
        "it waits for one it holds the others, so a long transaction on any of them "
        "makes it roll back and retry; put the changes of each table in a step (or "
        "revision) of its own"
    ]


def _lint(config: Config, revisions: set[str], dialect: str) -> dict[str, list[str]]:
    """Lint findings per revision id (empty when the linter is not installed).

    The project's lint settings apply, with the database planned for as the target:
    a MariaDB plan gets no PostgreSQL advice.
    """
    from pathlib import Path

    from alembic.script import ScriptDirectory

    try:
        from ..lint import api
        from ..lint import settings as lint_settings
        from ..lint.registry import all_rules
        from ..lint.target import Target
    except ImportError:
        return {}
    from ..config import project_dir

    chosen, _ = lint_settings.load(project_dir(config), all_rules())
    if (
        dialect
        and chosen.target.dialect != dialect
        and dialect in ("postgresql", "mysql", "mariadb", "sqlite")
    ):
        chosen = dataclasses.replace(chosen, target=Target.parse(dialect))
    script = ScriptDirectory.from_config(config)
    found: dict[str, list[str]] = {}
    for rev in revisions:
        revision = script.get_revision(rev)
        if revision is None or not revision.path:
            continue
        path = Path(revision.path)
        findings = api.lint_source(path.read_text(), str(path), chosen)
        found[rev] = [f"{f.rule} line {f.line}: {f.message}" for f in findings]
    return found


def plan(config: Config, target: str = "heads", max_phase: Phase | None = None) -> PlanReport:
    """Build the plan of every pending phase up to *target* (and *max_phase*)."""
    reason = ""
    try:
        heads, done, estimates, url = _online(config)
        connected = True
    except ZdmError:
        raise
    except Exception as exc:  # no database: plan from base, offline only
        heads, done, estimates, url, connected = [], set(), {}, "", False
        orig = getattr(exc, "orig", None) or exc
        reason = (str(orig).strip().splitlines() or [type(orig).__name__])[0]
    if len(heads) > 1:
        raise ZdmError(
            f"The database has several heads ({', '.join(heads)}); plan one branch at a time."
        )
    start = heads[0] if heads else None
    output, dialect, kept = _render_with_catalog(config, url, start, target, max_phase, done)
    steps = _steps(output, dialect, estimates)
    for step in steps:
        step.keeps = [k for k in kept if (k.revision, k.phase) == (step.revision, step.phase)]
    findings = _lint(config, {s.revision for s in steps}, dialect)
    for step in steps:  # each revision's findings once, on its first step
        step.lint = findings.pop(step.revision, [])
    return PlanReport(connected, heads, steps, dialect, None if connected else reason)
