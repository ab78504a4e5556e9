"""The stored user behind every update from a person, created on first contact."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from aiogram import BaseMiddleware
from aiogram.types import TelegramObject
from aiogram.types import User as TelegramUser

from bot.services.users import touch_user


class UserMiddleware(BaseMiddleware):
    """Gives handlers `user` (bot.db.models.User), last_seen updated; needs `session`."""

    async def __call__(
        self,
        handler: Callable[[TelegramObject, dict[str, Any]], Awaitable[Any]],
        event: TelegramObject,
        data: dict[str, Any],
    ) -> Any:
        sender: TelegramUser | None = data.get("event_from_user")
        if sender is not None and not sender.is_bot:
            data["user"] = await touch_user(data["session"], sender.id)
        return await handler(event, data)
