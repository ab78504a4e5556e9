"""The async engine, SQLite tuning, applying migrations at start-up, and work that waits for a
session's commit."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy import event, pool
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Connection, make_url
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)
from sqlalchemy.orm import Session

from bot.db import sqlite as one_trip_sqlite

MIGRATIONS = Path(__file__).resolve().parent / "migrations"
_AFTER_COMMIT = "after_commit"


def after_commit(session: AsyncSession | Session, callback: Callable[[], None]) -> None:
    """Run callback once the session's transaction has committed (never if it rolls back):
    e.g. wake a worker that must see what this transaction wrote. Given twice, it runs once."""
    callbacks = session.info.setdefault(_AFTER_COMMIT, [])
    if callback not in callbacks:
        callbacks.append(callback)


@event.listens_for(Session, "after_commit")
def _run_after_commit(session: Session) -> None:
    for callback in session.info.pop(_AFTER_COMMIT, []):
        callback()


@event.listens_for(Session, "after_rollback")
def _drop_after_commit(session: Session) -> None:
    session.info.pop(_AFTER_COMMIT, None)


def insert_or(session: AsyncSession, model: type) -> postgresql.Insert | sqlite.Insert:
    """An INSERT into model's table that takes ON CONFLICT clauses, in the session's dialect
    (SQLite or PostgreSQL; SQLAlchemy's generic insert has none)."""
    dialect = postgresql if session.bind.dialect.name == "postgresql" else sqlite
    return dialect.insert(model)


def create_engine(database_url: str) -> AsyncEngine:
    url = make_url(database_url)
    if url.get_backend_name() != "sqlite":
        return create_async_engine(url, pool_pre_ping=True)
    database = url.database or ":memory:"
    if database != ":memory:":
        Path(database).parent.mkdir(parents=True, exist_ok=True)
    # One connection, so one writer: SQLite lets one transaction write at a time, and with a
    # pool of them concurrent updates wait on each other's locks in SQLite's busy handler
    # (sleeps of up to 100 ms). Here they queue for the connection instead, in order, with no
    # sleeping; WAL readers outside the process (`python -m bot forget`, a backup) still run.
    engine = create_async_engine(
        url,
        async_creator=lambda: one_trip_sqlite.connect(database, timeout=30),
        poolclass=pool.AsyncAdaptedQueuePool,
        pool_size=1,
        max_overflow=0,
        pool_timeout=60,
    )

    @event.listens_for(engine.sync_engine, "connect")
    def _sqlite_pragmas(dbapi_connection, _record) -> None:  # type: ignore[no-untyped-def]
        cursor = dbapi_connection.cursor()
        # WAL: readers never block the writer, and a commit appends to the log instead of
        # rewriting pages. synchronous=NORMAL: in WAL mode a commit is durable against a crash
        # of the process (SIGKILL included), and loses at most the last commits on a power
        # failure, while skipping an fsync per commit (FULL would fsync every one).
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        # Another process writing (a CLI command) makes us wait, never fail at once.
        cursor.execute("PRAGMA busy_timeout=30000")
        cursor.close()

    return engine


def session_factory(engine: AsyncEngine) -> async_sessionmaker:
    return async_sessionmaker(engine, expire_on_commit=False)


def alembic_config() -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    return config


def _upgrade(connection: Connection, operators_chat_id: int | None) -> None:
    config = alembic_config()
    config.attributes["connection"] = connection
    config.attributes["operators_chat_id"] = operators_chat_id
    command.upgrade(config, "head")


async def migrate(engine: AsyncEngine, operators_chat_id: int | None = None) -> None:
    """Bring the schema to the newest revision (idempotent). `operators_chat_id`
    (OPERATORS_CHAT_ID) is the group that rows from before several groups belong to."""
    async with engine.begin() as connection:
        await connection.run_sync(_upgrade, operators_chat_id)
