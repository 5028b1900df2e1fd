"""A throwaway PostgreSQL server for tests: Debian's own binaries, a temporary data directory, loopback only.

`.ci/run` installs Debian's `postgresql` package; `make test` elsewhere skips the PostgreSQL tests with a
reason if no server binaries are found. The server runs as the `postgres` user when the tests run as root
(PostgreSQL refuses to run as root), listens on 127.0.0.1 on a free port, trusts local connections, and
is stopped and deleted at the end.

pytest-postgresql (10.0.0) does this job elsewhere, but not here: its ``postgresql_proc`` runs pg_ctl as
the current user, and CI runs as root, where it fails with "pg_ctl: cannot be run as root" (tried on this
project's machine; its issues #341 and #455 were closed without an option to run as another user).
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


def server_binaries() -> Path | None:
    """The folder with initdb, pg_ctl and postgres, or None."""
    found = shutil.which("initdb")
    if found and Path(found).resolve().with_name("pg_ctl").exists():
        return Path(found).resolve().parent
    for folder in sorted(glob.glob("/usr/lib/postgresql/*/bin"), reverse=True):
        if (Path(folder) / "initdb").exists():
            return Path(folder)
    return None


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class ThrowawayPostgres:
    """``with ThrowawayPostgres() as url:`` a URL to an empty database ``zoo`` on a fresh server."""

    def __init__(self) -> None:
        self.bin = server_binaries()
        self.port = _free_port()
        self.root = Path(tempfile.mkdtemp(prefix="zoo-pg-"))
        self.data = self.root / "data"
        self.as_root = os.geteuid() == 0

    def _run(self, *args: str, check: bool = True) -> subprocess.CompletedProcess:
        cmd = [str(self.bin / args[0]), *args[1:]]
        if self.as_root:  # PostgreSQL will not run as root
            cmd = ["runuser", "-u", "postgres", "--", *cmd]
        return subprocess.run(cmd, capture_output=True, text=True, check=check, timeout=120)

    def __enter__(self) -> str:
        if self.bin is None:
            raise RuntimeError("no PostgreSQL server binaries (install Debian's postgresql package)")
        if self.as_root:
            os.chmod(self.root, 0o777)
        self._run("initdb", "-D", str(self.data), "-U", "zoo", "--auth=trust", "--no-sync", "-E", "UTF8")
        self._run("pg_ctl", "-D", str(self.data), "-l", str(self.root / "log"), "-w", "-t", "60", "-o",
                  f"-h 127.0.0.1 -p {self.port} -k {self.root} -c fsync=off", "start")
        return self.new_database("zoo")

    def new_database(self, name: str) -> str:
        """Another empty database on the same server; its URL."""
        self._run("createdb", "-h", "127.0.0.1", "-p", str(self.port), "-U", "zoo", name)
        return f"postgresql://zoo@127.0.0.1:{self.port}/{name}"

    def __exit__(self, *exc) -> None:
        self._run("pg_ctl", "-D", str(self.data), "-m", "immediate", "-w", "stop", check=False)
        deadline = time.time() + 10
        while time.time() < deadline and (self.data / "postmaster.pid").exists():
            time.sleep(0.1)
        shutil.rmtree(self.root, ignore_errors=True)
