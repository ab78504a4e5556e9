"""A throwaway Redis server for the tests: Debian's `redis-server`, in memory only, on a free
port, started once per test session and stopped at its end. `make test` installs the package
when it is missing."""

from __future__ import annotations

import contextlib
import shutil
import socket
import subprocess
import time
from collections.abc import Iterator
from collections.abc import Iterator as Numbers
from dataclasses import dataclass, field
from itertools import count

from tests.postgres import free_port


@dataclass
class RedisServer:
    port: int
    _databases: Numbers[int] = field(default_factory=lambda: count(1))

    def new_url(self) -> str:
        """A URL of a database of its own (Redis has 16; a test takes the next one, flushed)."""
        number = next(self._databases) % 16
        with socket.create_connection(("127.0.0.1", self.port)) as connection:
            connection.sendall(f"SELECT {number}\r\nFLUSHDB\r\n".encode())
            connection.recv(64)
        return f"redis://127.0.0.1:{self.port}/{number}"


@contextlib.contextmanager
def redis_server() -> Iterator[RedisServer]:
    binary = shutil.which("redis-server")
    if binary is None:
        raise RuntimeError("redis-server is not installed: `make test` installs it (Debian)")
    port = free_port()
    process = subprocess.Popen(
        [binary, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
        stdout=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 10
        while True:
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=1) as connection:
                    connection.sendall(b"PING\r\n")
                    if connection.recv(16).startswith(b"+PONG"):
                        break
            except OSError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.02)
        yield RedisServer(port)
    finally:
        process.terminate()
        process.wait(timeout=10)
