"""aiosqlite with one trip to its thread per statement.

SQLAlchemy's aiosqlite adapter makes four trips to aiosqlite's thread for every statement (open a
cursor, execute, fetch, close), each a queue hand-off and an event-loop wake-up: about 0.1 ms
apiece on a small machine, where SQLite itself needs microseconds. At election-day load those
trips were most of the cost of an update. Here a cursor runs execute, fetch and close as one
function in the thread and keeps the results; the connection is aiosqlite's own, so commits,
rollbacks and closing are unchanged. Given to SQLAlchemy as `async_creator`.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable, Sequence
from typing import Any

import aiosqlite


class _Result:
    """What a statement left behind, read in the connection's thread."""

    __slots__ = ("description", "lastrowid", "rowcount", "rows")

    def __init__(self, cursor: sqlite3.Cursor, fetch: bool) -> None:
        self.description = cursor.description
        self.rows = cursor.fetchall() if fetch and cursor.description else []
        self.rowcount = cursor.rowcount
        self.lastrowid = cursor.lastrowid
        cursor.close()


class OneTripCursor:
    """The part of aiosqlite's Cursor that SQLAlchemy uses; each call is at most one trip."""

    arraysize = 1

    def __init__(self, connection: OneTripConnection) -> None:
        self._connection = connection
        self._result: _Result | None = None

    async def __aenter__(self) -> OneTripCursor:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()

    async def execute(self, sql: str, parameters: Sequence[Any] | None = None) -> OneTripCursor:
        def run(conn: sqlite3.Connection) -> _Result:
            return _Result(conn.execute(sql, parameters or ()), fetch=True)

        self._result = await self._connection.run(run)
        return self

    async def executemany(self, sql: str, parameters: Iterable[Sequence[Any]]) -> OneTripCursor:
        rows = list(parameters)

        def run(conn: sqlite3.Connection) -> _Result:
            return _Result(conn.executemany(sql, rows), fetch=False)

        self._result = await self._connection.run(run)
        return self

    @property
    def description(self) -> Any:
        return self._result.description if self._result else None

    @property
    def rowcount(self) -> int:
        return self._result.rowcount if self._result else -1

    @property
    def lastrowid(self) -> int | None:
        return self._result.lastrowid if self._result else None

    async def fetchall(self) -> list[Any]:
        rows, self._result.rows = self._result.rows, []  # type: ignore[union-attr]
        return rows

    async def fetchone(self) -> Any:
        rows = self._result.rows  # type: ignore[union-attr]
        return rows.pop(0) if rows else None

    async def fetchmany(self, size: int | None = None) -> list[Any]:
        rows = self._result.rows  # type: ignore[union-attr]
        taken, self._result.rows = rows[: size or 1], rows[size or 1 :]  # type: ignore[union-attr]
        return taken

    async def close(self) -> None:
        """The sqlite3 cursor is closed already; rowcount and lastrowid stay readable, as
        SQLAlchemy reads them after closing."""
        if self._result is not None:
            self._result.rows = []


class OneTripConnection(aiosqlite.Connection):
    def cursor(self) -> OneTripCursor:  # type: ignore[override]
        """No trip: SQLAlchemy enters the cursor, and the statement opens its sqlite3 one."""
        return OneTripCursor(self)

    async def run(self, function: Any) -> Any:
        """Run function(sqlite3_connection) in the connection's thread: one trip."""
        return await self._execute(lambda: function(self._conn))


def connect(database: str, **kwargs: Any) -> OneTripConnection:
    """Like aiosqlite.connect; the thread is a daemon, as SQLAlchemy makes aiosqlite's."""

    def connector() -> sqlite3.Connection:
        return sqlite3.connect(database, **kwargs)

    connection = OneTripConnection(connector, iter_chunk_size=64)
    connection._thread.daemon = True
    return connection
