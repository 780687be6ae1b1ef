"""A throwaway MariaDB/MySQL server in a temporary folder, for tests that need server options.

The shared test server cannot be restarted with other options (``performance_schema``
is a start-up setting), so a test that needs one starts its own:
``mariadb-install-db`` into a temporary folder, ``mariadbd`` on a free port with the
given options, stopped and removed by :meth:`PrivateMariaDB.stop` (or the ``with``
block). As root the server runs with ``--user=root``. Binaries come from ``PATH`` and
``/usr/sbin`` (Debian's layout), or ``$ZDM_MARIADB_BINDIR``.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path
from types import TracebackType


def _binary(*names: str) -> str:
    folders = [os.environ.get("ZDM_MARIADB_BINDIR", ""), "/usr/sbin", "/usr/bin"]
    for name in names:
        found = shutil.which(name) or next(
            (str(Path(d) / name) for d in folders if d and (Path(d) / name).exists()), None
        )
        if found:
            return found
    raise FileNotFoundError(
        f"no MariaDB server binary ({' or '.join(names)}); install mariadb-server or set "
        "ZDM_MARIADB_BINDIR"
    )


def available() -> str | None:
    """Why a private server cannot be started here (``None``: it can)."""
    try:
        _binary("mariadbd", "mysqld")
        _binary("mariadb-install-db", "mysql_install_db")
    except FileNotFoundError as exc:
        return str(exc)
    return None


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class PrivateMariaDB:
    """A running server with *options* (``["--performance-schema=ON"]``) and a ``test`` database.

    :param options: extra ``mariadbd`` command-line options.
    :param driver: the SQLAlchemy driver of :attr:`url` (``mysqldb`` or ``pymysql``;
        default: the first installed, as for the shared test server).
    """

    def __init__(self, options: Sequence[str] = (), driver: str | None = None) -> None:
        from .databases import mysql_driver

        self.options = list(options)
        self.driver = driver or mysql_driver()
        self.root = Path(tempfile.mkdtemp(prefix="zdm-mariadb-"))
        self.port = _free_port()
        self.url = f"mysql+{self.driver}://root@127.0.0.1:{self.port}/test"
        self._process: subprocess.Popen[bytes] | None = None

    def start(self) -> PrivateMariaDB:
        """Initialise the data folder, start the server, wait until it answers."""
        data, user = self.root / "data", ["--user=root"] if os.geteuid() == 0 else []
        try:
            subprocess.run(
                [_binary("mariadb-install-db", "mysql_install_db"), "--no-defaults",
                 f"--datadir={data}", *user, "--auth-root-authentication-method=normal",
                 "--skip-test-db"],
                check=True, capture_output=True, timeout=120,
            )  # fmt: skip
            log = (self.root / "server.log").open("wb")
            self._process = subprocess.Popen(
                [_binary("mariadbd", "mysqld"), "--no-defaults", f"--datadir={data}", *user,
                 f"--port={self.port}", "--bind-address=127.0.0.1",
                 f"--socket={self.root / 'sock'}", f"--pid-file={self.root / 'pid'}",
                 "--skip-log-bin", "--innodb-buffer-pool-size=16M", *self.options],
                stdout=log, stderr=subprocess.STDOUT,
            )  # fmt: skip
            self._wait()
            self._execute("CREATE DATABASE test")
        except BaseException:
            self.stop()
            raise
        return self

    def _wait(self, timeout_s: float = 60.0) -> None:
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            if self._process is not None and self._process.poll() is not None:
                log = (self.root / "server.log").read_text(errors="replace")[-2000:]
                raise RuntimeError(f"mariadbd exited with {self._process.returncode}: {log}")
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=0.5):
                    self._execute("SELECT 1")
                    return
            except OSError:
                time.sleep(0.1)
        raise TimeoutError(f"mariadbd on port {self.port} did not answer in {timeout_s:.0f} s")

    def _execute(self, sql: str) -> None:
        import sqlalchemy as sa

        engine = sa.create_engine(
            f"mysql+{self.driver}://root@127.0.0.1:{self.port}/", poolclass=sa.pool.NullPool
        )
        try:
            with engine.connect() as conn:
                conn.exec_driver_sql(sql)
        except sa.exc.OperationalError as exc:
            raise OSError(str(exc)) from exc
        finally:
            engine.dispose()

    def stop(self) -> None:
        """Stop the server (if it runs) and remove its folder."""
        process, self._process = self._process, None
        if process is not None and process.poll() is None:
            process.send_signal(signal.SIGTERM)
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(timeout=10)
        shutil.rmtree(self.root, ignore_errors=True)

    def __enter__(self) -> PrivateMariaDB:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()
