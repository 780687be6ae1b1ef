"""A throwaway PostgreSQL primary with a streaming physical replica, for tests.

Built from the server binaries on the machine (``initdb``, ``pg_ctl``, ``pg_basebackup``):
a primary cluster in a temporary folder on a free port, a standby made with
``pg_basebackup -R`` on another port, both stopped and removed by :meth:`ReplicaPair.stop`.
PostgreSQL refuses to run as root, so as root the servers run as the ``postgres`` user.
"""

from __future__ import annotations

import glob
import os
import shutil
import socket
import subprocess
import tempfile
import time
from pathlib import Path


def _bindir() -> Path:
    env = os.environ.get("ZDM_PG_BINDIR")
    if env:
        return Path(env)
    candidates = sorted(glob.glob("/usr/lib/postgresql/*/bin"), reverse=True)
    if candidates:  # Debian's layout; the pg_ctl on PATH may be a wrapper script
        return Path(candidates[0])
    found = shutil.which("pg_ctl")
    if found:
        return Path(found).parent
    raise FileNotFoundError("no PostgreSQL server binaries (initdb, pg_ctl); set ZDM_PG_BINDIR")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class ReplicaPair:
    """``primary_url`` and ``replica_url`` of a running primary/standby pair."""

    def __init__(self) -> None:
        self.bindir = _bindir()
        self.root = Path(tempfile.mkdtemp(prefix="zdm-replica-"))
        self.as_root = hasattr(os, "geteuid") and os.geteuid() == 0
        if self.as_root:
            shutil.chown(self.root, "postgres", "postgres")
        self.primary_port, self.replica_port = _free_port(), _free_port()
        self.primary_dir, self.replica_dir = self.root / "primary", self.root / "replica"
        self.primary_url = f"postgresql+psycopg://postgres@127.0.0.1:{self.primary_port}/postgres"
        self.replica_url = f"postgresql+psycopg://postgres@127.0.0.1:{self.replica_port}/postgres"
        self._started: list[Path] = []

    def _run(self, *args: str | Path) -> None:
        cmd = [str(a) for a in args]
        if self.as_root:
            cmd = ["runuser", "-u", "postgres", "--", *cmd]
        done = subprocess.run(cmd, capture_output=True, text=True, timeout=120)
        if done.returncode != 0:
            raise RuntimeError(f"{Path(cmd[-len(args)]).name} failed: {done.stderr.strip()}")

    def _start(self, data: Path, port: int) -> None:
        opts = f"-p {port} -c listen_addresses=127.0.0.1 -c unix_socket_directories={self.root}"
        self._run(
            self.bindir / "pg_ctl", "-D", data, "-o", opts, "-l", data / "server.log", "-w", "start"
        )
        self._started.append(data)

    def start(self) -> ReplicaPair:
        """Create and start both servers; return self (on failure, stop what was started)."""
        try:
            self._create()
        except BaseException:
            self.stop()
            raise
        return self

    def _create(self) -> None:
        self._run(self.bindir / "initdb", "-D", self.primary_dir, "-U", "postgres", "-A", "trust")
        with open(self.primary_dir / "postgresql.conf", "a") as conf:
            conf.write("wal_level = replica\nmax_wal_senders = 4\nfsync = off\n")
        with open(self.primary_dir / "pg_hba.conf", "a") as hba:
            hba.write("host replication all 127.0.0.1/32 trust\n")
        self._start(self.primary_dir, self.primary_port)
        self._run(
            self.bindir / "pg_basebackup", "-h", "127.0.0.1", "-p", str(self.primary_port),
            "-U", "postgres", "-D", self.replica_dir, "-R", "-X", "stream",
        )  # fmt: skip
        self._start(self.replica_dir, self.replica_port)
        self._wait_streaming()

    def _wait_streaming(self) -> None:
        import sqlalchemy as sa

        engine = sa.create_engine(self.primary_url, poolclass=sa.pool.NullPool)
        try:
            for _ in range(100):
                with engine.connect() as conn:
                    if conn.execute(sa.text("SELECT count(*) FROM pg_stat_replication")).scalar():
                        return
                time.sleep(0.1)
        finally:
            engine.dispose()
        raise RuntimeError("the replica did not start streaming")

    def caught_up(self, timeout_s: float = 60.0) -> None:
        """Wait until the standby has replayed all the primary wrote so far (a database
        just created on the primary, say); raise ``RuntimeError`` after *timeout_s*."""
        import sqlalchemy as sa

        primary = sa.create_engine(self.primary_url, poolclass=sa.pool.NullPool)
        replica = sa.create_engine(self.replica_url, poolclass=sa.pool.NullPool)
        try:
            with primary.connect() as p:
                target = p.execute(sa.text("SELECT pg_current_wal_lsn()")).scalar()
            with replica.connect() as r:
                deadline = time.monotonic() + timeout_s
                while time.monotonic() < deadline:
                    behind = r.execute(
                        sa.text("SELECT pg_wal_lsn_diff(:t, pg_last_wal_replay_lsn())"),
                        {"t": target},
                    ).scalar()
                    if behind is not None and behind <= 0:
                        return
                    time.sleep(0.05)
        finally:
            primary.dispose()
            replica.dispose()
        raise RuntimeError(f"the replica did not catch up within {timeout_s:.0f} s")

    def stop(self) -> None:
        """Stop both servers and remove their folders."""
        for data in reversed(self._started):
            try:
                self._run(self.bindir / "pg_ctl", "-D", data, "-m", "immediate", "-w", "stop")
            except subprocess.CalledProcessError:
                pass
        shutil.rmtree(self.root, ignore_errors=True)
