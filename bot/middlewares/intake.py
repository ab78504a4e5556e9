"""What is decided about a voter's message before the update's database work begins."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from aiogram import BaseMiddleware
from aiogram.types import TelegramObject, Update

from bot.faq import FaqMatcher
from bot.middlewares.flood_control import FloodControl, RedisFloodControl, Verdict
from bot.services.metrics import Metrics


class IntakeMiddleware(BaseMiddleware):
    """For a message in a private chat: `flood`, the flood-control verdict (acted on by
    FloodMiddleware, which needs the session and the user's language); and, for a text that is
    not a command and is let through, `match` (bot.faq.MatchResult), the question handlers'
    input whichever of them takes the message.

    The outermost middleware, ahead of the database session, because the bot has one writer
    connection (bot/db/engine.py) and an update holds it from its first statement to its
    commit: matching there, a millisecond or more of CPU, would keep every other update
    waiting. The verdict comes first so that a flood is never matched."""

    def __init__(
        self,
        matcher: FaqMatcher,
        flood_control: FloodControl | RedisFloodControl,
        metrics: Metrics | None = None,
    ) -> None:
        self.matcher = matcher
        self.flood_control = flood_control
        self.metrics = metrics or Metrics()

    async def __call__(
        self,
        handler: Callable[[TelegramObject, dict[str, Any]], Awaitable[Any]],
        event: TelegramObject,
        data: dict[str, Any],
    ) -> Any:
        message = event.message if isinstance(event, Update) else None
        if message is not None and message.chat.type == "private" and message.from_user:
            verdict = data["flood"] = await self.flood_control.judge(message.from_user.id)
            text = message.text
            if verdict is Verdict.ALLOW and text and not text.startswith("/"):
                match = data["match"] = await self.matcher.match_async(text)
                self.metrics.matches.labels(match.kind, match.lang).inc()
        return await handler(event, data)
