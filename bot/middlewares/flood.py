from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from aiogram import BaseMiddleware
from aiogram.types import Message
from aiogram.utils.i18n import gettext as _

from bot.middlewares.flood_control import Verdict


class FloodMiddleware(BaseMiddleware):
    """Slows down one user who floods, without touching anyone else: acts on the verdict
    that IntakeMiddleware took (`flood`), here where the session and the language are."""

    async def __call__(
        self,
        handler: Callable[[Message, dict[str, Any]], Awaitable[Any]],
        event: Message,
        data: dict[str, Any],
    ) -> Any:
        verdict = data.get("flood", Verdict.ALLOW)
        if verdict is Verdict.ALLOW:
            return await handler(event, data)
        if verdict is Verdict.WARN:
            data["outbox"].send_message(
                data["session"],
                event.chat.id,
                _("You are writing very fast. Please wait a few seconds, then ask again."),
            )
        return None
