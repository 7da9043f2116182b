"""A throwaway PostgreSQL server for tests: `postgres_server()` runs Debian's binaries (initdb,
pg_ctl; scripts/setup.sh --with-browser installs them) on a free port of 127.0.0.1, its data
and unix socket in a scratch folder of its own, and removes it all after.

PostgreSQL refuses to run as root, so as root the server runs as the `postgres` system user
(`runuser`), the scratch folder handed to it; as anyone else, as that user. Without the
binaries (or, as root, without the `postgres` user) the caller skips with the reason:

    with postgres_server() as pg:           # pytest.skip()s when it cannot run
        url = pg.create_database("votes")   # postgresql://postgres@127.0.0.1:<port>/votes
        pg.stop(); pg.start()               # a restart keeps the data

Authentication is `trust` on the loopback only, and fsync is off (a server crash keeps every commit,
a machine crash would not): a test server.
"""
from __future__ import annotations

import glob
import os
import pwd
import shutil
import subprocess
import tempfile
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest

from .live import free_port

__all__ = ["PostgresServer", "postgres_server", "postgres_bin_dir", "why_no_postgres"]

#: Seconds pg_ctl waits for the server to start or stop.
PG_CTL_WAIT_S = 60
SUPERUSER = "postgres"
_RUN_AS = "postgres"  # the system user Debian's package makes, for running as root


def postgres_bin_dir() -> Path | None:
    """The folder of the newest installed PostgreSQL's initdb and pg_ctl, or None."""
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"),
                   key=lambda p: int(Path(p).parts[-3]) if Path(p).parts[-3].isdigit() else 0)
    if found:
        return Path(found[-1]).parent
    initdb = shutil.which("initdb")
    return Path(initdb).parent if initdb else None


def why_no_postgres() -> str | None:
    """Why a test server cannot run here (None: it can)."""
    bin_dir = postgres_bin_dir()
    if bin_dir is None or not (bin_dir / "pg_ctl").exists():
        return "PostgreSQL's initdb/pg_ctl are not installed (bash scripts/setup.sh --with-browser installs them)"
    try:
        import psycopg  # noqa: F401
    except ImportError:
        return "psycopg is not installed (pip install 'psycopg[binary]')"
    if os.geteuid() == 0:
        try:
            pwd.getpwnam(_RUN_AS)
        except KeyError:
            return f"running as root and there is no {_RUN_AS!r} system user to run PostgreSQL as"
        if shutil.which("runuser") is None:
            return "running as root and runuser is missing"
    return None


@dataclass
class PostgresServer:
    """A running test server: its folder, port and binaries."""

    root: Path
    port: int
    bin_dir: Path

    @property
    def data_dir(self) -> Path:
        return self.root / "data"

    @property
    def socket_dir(self) -> Path:
        return self.root / "sock"

    def url(self, database: str = "postgres") -> str:
        return f"postgresql://{SUPERUSER}@127.0.0.1:{self.port}/{database}"

    def _run(self, *args: str) -> subprocess.CompletedProcess[str]:
        cmd = [str(self.bin_dir / args[0]), *args[1:]]
        if os.geteuid() == 0:
            cmd = ["runuser", "-u", _RUN_AS, "--", *cmd]
        done = subprocess.run(cmd, capture_output=True, text=True, timeout=PG_CTL_WAIT_S + 30, check=False)
        if done.returncode != 0:
            log = self.root / "server.log"
            tail = log.read_text(errors="replace")[-2000:] if log.exists() else ""
            raise RuntimeError(f"{' '.join(args[:2])} failed ({done.returncode}): {done.stderr.strip()}\n{tail}")
        return done

    def init(self) -> None:
        self._run("initdb", "-D", str(self.data_dir), "-U", SUPERUSER, "--auth=trust", "-E", "UTF8",
                  "--locale=C.UTF-8", "--no-sync")

    def start(self) -> None:
        # fsync off: a crash of the server (stop "immediate") keeps every commit, the machine's would not
        options = f"-p {self.port} -k {self.socket_dir} -c listen_addresses=127.0.0.1 -c fsync=off"
        self._run("pg_ctl", "start", "-w", "-t", str(PG_CTL_WAIT_S), "-D", str(self.data_dir),
                  "-l", str(self.root / "server.log"), "-o", options)

    def stop(self, mode: str = "fast") -> None:
        """Stop the server (`fast`: disconnect the clients and shut down cleanly; `immediate`: as a crash)."""
        self._run("pg_ctl", "stop", "-w", "-t", str(PG_CTL_WAIT_S), "-D", str(self.data_dir), "-m", mode)

    def is_running(self) -> bool:
        return (self.data_dir / "postmaster.pid").exists()

    def execute(self, sql: str, database: str = "postgres") -> None:
        """Run one statement outside a transaction (CREATE/DROP DATABASE need that)."""
        import psycopg

        with psycopg.connect(self.url(database), autocommit=True, connect_timeout=10) as conn:
            conn.execute(sql.encode())  # test SQL written here, not built from input

    def create_database(self, name: str) -> str:
        """A new empty database; its URL."""
        self.execute(f'CREATE DATABASE "{name}"')
        return self.url(name)

    def drop_database(self, name: str) -> None:
        self.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@contextmanager
def postgres_server() -> Iterator[PostgresServer]:
    """A fresh server for the `with` block (pytest.skip when none can run here)."""
    reason = why_no_postgres()
    if reason is not None:
        pytest.skip(reason)
    bin_dir = postgres_bin_dir()
    assert bin_dir is not None
    # Not under pytest's tmp_path: as root that is a 0700 folder the postgres user cannot enter.
    root = Path(tempfile.mkdtemp(prefix="cppcc-pg-"))
    server = PostgresServer(root=root, port=free_port(), bin_dir=bin_dir)
    try:
        server.socket_dir.mkdir()
        if os.geteuid() == 0:
            user = pwd.getpwnam(_RUN_AS)
            for path in (root, server.socket_dir):
                os.chown(path, user.pw_uid, user.pw_gid)
        server.init()
        server.start()
        yield server
    finally:
        if server.is_running():
            try:
                server.stop("immediate")
            except RuntimeError as exc:  # said, not raised: the test's own outcome matters more
                warnings.warn(f"the test PostgreSQL server did not stop: {exc}", stacklevel=2)
        shutil.rmtree(root, ignore_errors=True)
