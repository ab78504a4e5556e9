"""A throwaway PostgreSQL server for the tests: Debian's binaries, a cluster in a temporary
directory, started once per test session and stopped at its end; every test gets a database of
its own. `make test` installs the `postgresql` package when it is missing."""

from __future__ import annotations

import contextlib
import itertools
import os
import shutil
import socket
import subprocess
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

SERVER_DIRS = Path("/usr/lib/postgresql")
SUPERUSER = "saylau"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def server_binaries() -> Path | None:
    """The bin folder of the newest PostgreSQL installed (Debian keeps one per version)."""
    versions = [d for d in SERVER_DIRS.glob("*") if d.name.isdigit() and (d / "bin").is_dir()]
    if versions:
        return max(versions, key=lambda d: int(d.name)) / "bin"
    found = shutil.which("pg_ctl")
    return Path(found).parent if found else None


@dataclass
class PostgresServer:
    bin: Path
    port: int
    _numbers: Iterator[int] = field(default_factory=itertools.count)

    def url(self, database: str) -> str:
        return f"postgresql+asyncpg://{SUPERUSER}@127.0.0.1:{self.port}/{database}"

    def new_database(self) -> str:
        """A fresh, empty database; its SQLAlchemy URL."""
        name = f"test_{next(self._numbers)}"
        subprocess.run(
            [
                str(self.bin / "createdb"),
                "-h",
                "127.0.0.1",
                "-p",
                str(self.port),
                "-U",
                SUPERUSER,
                name,
            ],
            check=True,
            capture_output=True,
        )
        return self.url(name)


@contextlib.contextmanager
def postgres_server() -> Iterator[PostgresServer]:
    """Start a private cluster (trust authentication on 127.0.0.1 only, fsync off: the tests
    need no durability against a power cut) and remove it afterwards. PostgreSQL refuses to run
    as root, so as root the cluster belongs to the `postgres` user the package creates."""
    bin_dir = server_binaries()
    if bin_dir is None:
        raise RuntimeError("PostgreSQL is not installed: `make test` installs it (Debian package)")
    as_owner = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
    with tempfile.TemporaryDirectory(prefix="saylau-pg-") as tmp:
        data = Path(tmp) / "data"
        if as_owner:
            shutil.chown(tmp, "postgres")
        port = free_port()

        def run(*args: str) -> None:
            subprocess.run(as_owner + list(args), check=True, capture_output=True, cwd=tmp)

        run(str(bin_dir / "initdb"), "-D", str(data), "-U", SUPERUSER, "--auth=trust")
        options = f"-p {port} -c listen_addresses=127.0.0.1 -c unix_socket_directories={tmp}"
        options += " -c fsync=off -c synchronous_commit=off -c full_page_writes=off"
        log = f"{tmp}/log"
        run(str(bin_dir / "pg_ctl"), "-D", str(data), "-o", options, "-w", "-l", log, "start")
        try:
            yield PostgresServer(bin_dir, port)
        finally:
            run(str(bin_dir / "pg_ctl"), "-D", str(data), "-m", "immediate", "stop")
