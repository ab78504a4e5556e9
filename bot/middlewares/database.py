from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import Any

from aiogram import BaseMiddleware
from aiogram.types import TelegramObject, Update
from sqlalchemy.ext.asyncio import async_sessionmaker

from bot.services.updates import first_handling

log = logging.getLogger(__name__)


class DatabaseMiddleware(BaseMiddleware):
    """One session per update, committed when the handler succeeds. The update's id is
    recorded in the same transaction, so an update Telegram sends again after a crash is
    skipped if it had taken effect, and handled if it had not."""

    def __init__(self, session_factory: async_sessionmaker) -> None:
        self.session_factory = session_factory

    async def __call__(
        self,
        handler: Callable[[TelegramObject, dict[str, Any]], Awaitable[Any]],
        event: TelegramObject,
        data: dict[str, Any],
    ) -> Any:
        async with self.session_factory() as session:
            if isinstance(event, Update) and not await first_handling(session, event.update_id):
                log.info("update %s was handled before; skipped", event.update_id)
                return None
            data["session"] = session
            result = await handler(event, data)
            await session.commit()
            return result
