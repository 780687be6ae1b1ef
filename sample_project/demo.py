"""``make demo``: the sample project's revisions, phase by phase, under a live load.

Uses ``$DATABASE_URL`` when set (a PostgreSQL URL), otherwise an embedded PostgreSQL
(the ``pgserver`` package). Creates a scratch database, seeds it, starts a small
application load (reads, inserts and updates on several threads), then runs::

    alembic upgrade 0001            # the initial schema
    alembic upgrade zdm-phase:1     # expand   (before the deploy)
    alembic upgrade zdm-phase:2     # migrate  (before the deploy)
    ... the application switches to the new code ...
    alembic upgrade head            # contract (after the deploy)

and prints, per step, the table locks the migration took and the worst latency
the application saw.
"""

from __future__ import annotations

import os
import sys
import threading
import time
import warnings
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import create_engine, text
from sqlalchemy.engine import Engine

HERE = Path(__file__).resolve().parent
MIGRATION_APP_NAME = "zdm-demo-migration"
SEED_USERS = 20_000
SEED_ORDERS = 40_000


@dataclass
class Load:
    """A few application threads; latencies are kept per step of the demo."""

    engine: Engine
    threads: int = 4
    new_code: bool = False
    stop: threading.Event = field(default_factory=threading.Event)
    samples: list[tuple[float, float]] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    error_times: list[float] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def start(self) -> list[threading.Thread]:
        workers = [
            threading.Thread(target=self._work, args=(i,), daemon=True) for i in range(self.threads)
        ]
        for w in workers:
            w.start()
        return workers

    def _statements(self) -> list[tuple[str, Callable[[int], dict[str, object]]]]:
        # old code writes users.email; new code users.email_address and display_name
        new = self.new_code
        insert_user = (
            "INSERT INTO users (username, email_address, display_name) VALUES (:u, :e, :d)"
            if self.new_code
            else "INSERT INTO users (username, email) VALUES (:u, :e)"
        )
        return [
            (
                "SELECT id, username, email_address FROM users WHERE id = :id"
                if new
                else "SELECT id, username, email FROM users WHERE id = :id",
                lambda n: {"id": n % SEED_USERS + 1},
            ),
            (
                insert_user,
                lambda n: {"u": f"user{n}", "e": f"user{n}@example.com", "d": f"User {n}"},
            ),
            (
                "UPDATE users SET email_address = :e WHERE id = :id"
                if new
                else "UPDATE users SET email = :e WHERE id = :id",
                lambda n: {"e": f"u{n}@example.org", "id": n % SEED_USERS + 1},
            ),
            (
                "INSERT INTO orders (user_id, product_id, quantity) VALUES (:u, 1, :q)",
                lambda n: {"u": n % SEED_USERS + 1, "q": n % 5 + 1},
            ),
        ]

    def _work(self, worker: int) -> None:
        n = worker * 1_000_000
        with self.engine.connect() as conn:
            conn = conn.execution_options(isolation_level="AUTOCOMMIT")
            while not self.stop.is_set():
                for sql, params in self._statements():
                    n += 1
                    started = time.perf_counter()
                    try:
                        conn.execute(text(sql), params(n))
                    except Exception as exc:
                        with self.lock:
                            self.errors.append(str(exc).splitlines()[0])
                            self.error_times.append(time.perf_counter())
                    elapsed = time.perf_counter() - started
                    with self.lock:
                        self.samples.append((started, elapsed))
                time.sleep(0.002)

    def worst_since(self, since: float) -> tuple[float, int, int]:
        with self.lock:
            lat = [e for s, e in self.samples if s >= since]
            errors = sum(1 for t in self.error_times if t >= since)
        return (max(lat) if lat else 0.0), len(lat), errors


LOCKS_OF_OWN_SESSION = (
    "SELECT c.relname, l.mode FROM pg_locks l JOIN pg_class c ON c.oid = l.relation "
    "WHERE l.pid = pg_backend_pid() AND l.granted AND c.relkind = 'r' "
    "AND c.relnamespace = 'public'::regnamespace"
)


class LockWatcher:
    """Records the table locks the migration's sessions hold.

    Two sources: right before each COMMIT of a migration session (catches every
    lock of a transaction, however short), and a sampler of ``pg_locks`` for
    statements that run outside a transaction (``CONCURRENTLY``).
    """

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.seen: set[tuple[str, str]] = set()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def _before_commit(self, conn: object) -> None:
        dbapi = conn.connection.dbapi_connection  # type: ignore[attr-defined]
        info = getattr(dbapi, "info", None)
        if (
            info is None
            or getattr(info, "parameter_status", lambda _: None)("application_name")
            != MIGRATION_APP_NAME
        ):
            return
        cur = dbapi.cursor()
        try:
            cur.execute(LOCKS_OF_OWN_SESSION)
            self.seen.update((rel, mode) for rel, mode in cur.fetchall())
        finally:
            cur.close()

    def __enter__(self) -> LockWatcher:
        from sqlalchemy import event
        from sqlalchemy.engine import Engine as EngineClass

        self.seen = set()
        self._stop.clear()
        event.listen(EngineClass, "commit", self._before_commit)
        self._thread = threading.Thread(target=self._watch, daemon=True)
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        from sqlalchemy import event
        from sqlalchemy.engine import Engine as EngineClass

        event.remove(EngineClass, "commit", self._before_commit)
        self._stop.set()
        if self._thread:
            self._thread.join()

    def _watch(self) -> None:
        query = text(
            "SELECT c.relname, l.mode FROM pg_locks l "
            "JOIN pg_stat_activity a ON a.pid = l.pid "
            "JOIN pg_class c ON c.oid = l.relation "
            "WHERE a.application_name = :app AND l.granted AND c.relkind = 'r' "
            "AND c.relnamespace = 'public'::regnamespace"
        )
        with self.engine.connect() as conn:
            conn = conn.execution_options(isolation_level="AUTOCOMMIT")
            while not self._stop.is_set():
                for rel, mode in conn.execute(query, {"app": MIGRATION_APP_NAME}):
                    self.seen.add((rel, mode))
                time.sleep(0.005)


BOOKKEEPING = {"alembic_version", "alembic_zdm_state"}
STRENGTH = [
    "AccessShareLock",
    "RowShareLock",
    "RowExclusiveLock",
    "ShareUpdateExclusiveLock",
    "ShareLock",
    "ShareRowExclusiveLock",
    "ExclusiveLock",
    "AccessExclusiveLock",
]


def describe_locks(seen: set[tuple[str, str]]) -> str:
    """The strongest lock taken on each application table, e.g. ``users: AccessExclusive``."""
    strongest: dict[str, str] = {}
    for rel, mode in seen:
        if rel in BOOKKEEPING or mode not in STRENGTH:
            continue
        if rel not in strongest or STRENGTH.index(mode) > STRENGTH.index(strongest[rel]):
            strongest[rel] = mode
    return (
        ", ".join(f"{rel}: {mode.removesuffix('Lock')}" for rel, mode in sorted(strongest.items()))
        or "-"
    )


def database_url() -> tuple[str, Callable[[], None]]:
    """A fresh scratch database and a function that drops it."""
    from alembic_zdm.testing.databases import create_database, drop_database, embedded_postgres_url

    server = os.environ.get("DATABASE_URL")
    if server:
        print("database: $DATABASE_URL")
    else:
        print("database: embedded PostgreSQL (pgserver) — starting…", flush=True)
        server = embedded_postgres_url()
    url = create_database(server, prefix="zdm_demo")
    return url, lambda: drop_database(url)


def seed(engine: Engine) -> None:
    with engine.begin() as conn:
        conn.execute(text("INSERT INTO products (sku, title, price) VALUES ('SKU-1', 'Mug', 9.90)"))
        conn.execute(
            text(
                "INSERT INTO users (username, email) "
                "SELECT 'user' || g, 'user' || g || '@example.com' FROM generate_series(1, :n) g"
            ),
            {"n": SEED_USERS},
        )
        conn.execute(
            text(
                "INSERT INTO orders (user_id, product_id, quantity) "
                "SELECT (g % :u) + 1, 1, (g % 5) + 1 FROM generate_series(1, :n) g"
            ),
            {"u": SEED_USERS, "n": SEED_ORDERS},
        )


def main() -> int:
    """Run the demo; returns the exit code."""
    from alembic import command
    from alembic.config import Config

    from alembic_zdm.phases.report import status

    warnings.filterwarnings("ignore", message=".*XDG_RUNTIME_DIR.*")
    began = time.perf_counter()
    url, drop = database_url()
    cfg = Config(str(HERE / "alembic.ini"))
    cfg.attributes["database_url"] = url
    cfg.attributes["configure_logger"] = False
    app_engine = create_engine(url, pool_size=8, connect_args={"application_name": "zdm-demo-app"})
    watch_engine = create_engine(url)
    os.environ["PGAPPNAME"] = MIGRATION_APP_NAME  # libpq: the migration's own sessions
    load = Load(app_engine)
    try:
        command.upgrade(cfg, "0001")
        seed(app_engine)
        print(
            f"seeded {SEED_USERS:,} users and {SEED_ORDERS:,} orders; starting the application load"
        )
        workers = load.start()
        time.sleep(0.5)
        steps = [
            ("zdm-phase:1", "expand"),
            ("zdm-phase:2", "migrate"),
            ("head", "contract"),
        ]
        print(
            f"\n{'step':<28} {'phase':<9} {'took':>7} {'worst app latency':>18} {'app stmts':>9} {'errors':>6}  locks taken"
        )
        for target, label in steps:
            if target == "head":
                print(
                    "-- deploy: the application now runs the new code (email_address, display_name) --"
                )
                load.new_code = True
                time.sleep(0.3)
            started = time.perf_counter()
            with LockWatcher(watch_engine) as watcher:
                command.upgrade(cfg, target)
            took = time.perf_counter() - started
            worst, count, errors = load.worst_since(started)
            locks = describe_locks(watcher.seen)
            line = f"{'alembic upgrade ' + target:<28} {label.split()[0]:<9} {took:6.2f}s {worst * 1000:15.1f} ms {count:>9} {errors:>6}  "
            print(line + locks)
        load.stop.set()
        for w in workers:
            w.join()
        heads, pending = status(cfg)
        print(f"\nalembic current: {', '.join(heads)}; pending revisions: {len(pending)}")
        print(f"application errors during the demo: {len(load.errors)}")
        for err in sorted(set(load.errors))[:5]:
            print(f"  {err}")
        print(f"demo finished in {time.perf_counter() - began:.1f} s")
        return 1 if load.errors else 0
    finally:
        load.stop.set()
        app_engine.dispose()
        watch_engine.dispose()
        os.environ.pop("PGAPPNAME", None)
        drop()


if __name__ == "__main__":
    sys.exit(main())
