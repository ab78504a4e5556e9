"""A voter's question matched before the update's database work begins."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from aiogram import BaseMiddleware
from aiogram.types import TelegramObject, Update

from bot.faq import FaqMatcher


class MatchMiddleware(BaseMiddleware):
    """Gives handlers `match` (bot.faq.MatchResult) for a text in a private chat that is not a
    command: the question handlers' input, the same whichever of them takes the message.

    The outermost middleware, ahead of the database session, because the bot has one writer
    connection (bot/db/engine.py) and an update holds it from its first statement to its commit:
    matching there, a millisecond or more of CPU, would keep every other update waiting."""

    def __init__(self, matcher: FaqMatcher) -> None:
        self.matcher = matcher

    async def __call__(
        self,
        handler: Callable[[TelegramObject, dict[str, Any]], Awaitable[Any]],
        event: TelegramObject,
        data: dict[str, Any],
    ) -> Any:
        message = event.message if isinstance(event, Update) else None
        if (
            message is not None
            and message.chat.type == "private"
            and message.text
            and not message.text.startswith("/")
        ):
            data["match"] = await self.matcher.match_async(message.text)
        return await handler(event, data)
