"""How the bot is: its database, its outbox and its operators' groups, for /healthz (and the
outbox's gauges in /metrics). Knows nothing of Telegram or HTTP."""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from sqlalchemy.ext.asyncio import async_sessionmaker

from bot.db.models import utcnow
from bot.outbox import OperatorsChats, queue

log = logging.getLogger(__name__)

# The database is shared with every update (one writer connection on SQLite): a check that
# waits longer than this for it reports it as not reachable rather than hanging the prober.
DATABASE_TIMEOUT = 5.0


async def check_health(sessions: async_sessionmaker, operators: OperatorsChats) -> dict[str, Any]:
    """{"ok": the database answered, "database": ..., "outbox": {"backlog", "oldest_pending_
    seconds"}, "operators_chats": {id: reachable}}."""
    report: dict[str, Any] = {
        "operators_chats": {str(chat): operators.reachable(chat) for chat in operators},
    }
    try:
        async with asyncio.timeout(DATABASE_TIMEOUT), sessions() as session:
            count, oldest = await queue.backlog(session)
    except Exception as exc:  # any failure to read is "not reachable"; the log says which
        log.error("health check: the database is not reachable (%s)", type(exc).__name__)
        report.update(ok=False, database="unreachable")
        return report
    age = max(0.0, (utcnow() - oldest).total_seconds()) if oldest else 0.0
    report.update(
        ok=True,
        database="ok",
        outbox={"backlog": count, "oldest_pending_seconds": round(age, 1)},
    )
    return report
