"""Which updates from Telegram have been handled: each takes effect once, even when Telegram
sends it again (bot/runners/updates.py)."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import delete
from sqlalchemy.ext.asyncio import AsyncSession

from bot.db.engine import insert_or
from bot.db.models import HandledUpdate, utcnow

KEEP_HANDLED = timedelta(days=2)  # Telegram keeps an unconfirmed update for 24 hours


async def first_handling(session: AsyncSession, update_id: int) -> bool:
    """Record, in the caller's transaction, that this update is handled; False when a
    committed transaction had recorded it already (it was handled: skip it)."""
    result = await session.execute(
        insert_or(session, HandledUpdate)
        .values(update_id=update_id, handled_at=utcnow())
        .on_conflict_do_nothing(index_elements=[HandledUpdate.update_id])
    )
    return result.rowcount == 1


async def forget_handled(session: AsyncSession, now: datetime | None = None) -> int:
    cutoff = (now or utcnow()) - KEEP_HANDLED
    result = await session.execute(delete(HandledUpdate).where(HandledUpdate.handled_at < cutoff))
    return result.rowcount
