"""Users and their chosen language."""

from __future__ import annotations

from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.content import LANGS
from bot.db.engine import insert_or
from bot.db.models import User, utcnow


async def touch_user(session: AsyncSession, user_id: int) -> User:
    """The stored user, created on first contact; last_seen updated.

    One upsert that returns the row: one user's updates are handled concurrently, so two first
    messages arriving together must not both try to create the user; and each statement an
    update makes holds the one writer connection a little longer.
    """
    now = utcnow()
    upsert = (
        insert_or(session, User)
        .values(id=user_id, first_seen=now, last_seen=now)
        .on_conflict_do_update(index_elements=[User.id], set_={"last_seen": now})
        .returning(User)
    )
    return await session.scalar(upsert, execution_options={"populate_existing": True})


def reply_language(user: User | None, telegram_code: str | None, default: str) -> str:
    """The language every reply to a voter follows: their saved choice (/language), else the
    language of their latest message in words, else Telegram's language_code if it is
    kk/ru/en, else `default`."""
    if user is not None and (user.language or user.message_language):
        return user.language or user.message_language
    code = (telegram_code or "").split("-")[0].lower()
    return code if code in LANGS else default


async def language_of(session: AsyncSession, user_id: int, default: str) -> str:
    """`reply_language` for a message the voter did not just send (an operator's answer)."""
    return reply_language(await session.get(User, user_id), None, default)


async def set_language(session: AsyncSession, user_id: int, language: str) -> None:
    await session.execute(update(User).where(User.id == user_id).values(language=language))


async def mark_blocked(session: AsyncSession, user_id: int) -> None:
    """Telegram said 403: the user has blocked the bot."""
    await session.execute(update(User).where(User.id == user_id).values(blocked_bot=True))
