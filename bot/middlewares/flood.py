from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from aiogram import BaseMiddleware
from aiogram.types import Message, TelegramObject
from aiogram.utils.i18n import gettext as _

from bot.middlewares.flood_control import FloodControl, Verdict


class FloodMiddleware(BaseMiddleware):
    """Slows down one user who floods, without touching anyone else."""

    def __init__(self, flood_control: FloodControl) -> None:
        self.flood_control = flood_control

    async def __call__(
        self,
        handler: Callable[[TelegramObject, dict[str, Any]], Awaitable[Any]],
        event: TelegramObject,
        data: dict[str, Any],
    ) -> Any:
        if not isinstance(event, Message) or event.chat.type != "private" or not event.from_user:
            return await handler(event, data)
        verdict = self.flood_control.check(event.from_user.id)
        if verdict is Verdict.ALLOW:
            return await handler(event, data)
        if verdict is Verdict.WARN:
            data["outbox"].send_message(
                data["session"],
                event.chat.id,
                _("You are writing very fast. Please wait a few seconds, then ask again."),
            )
        return None
