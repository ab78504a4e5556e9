"""Only operators act in the operators' group: every message and button press there passes
this middleware, which hands the handlers `operator` or stops the event."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import Any

from aiogram import BaseMiddleware
from aiogram.exceptions import TelegramAPIError
from aiogram.types import CallbackQuery, Message
from aiogram.utils.i18n import gettext as _

log = logging.getLogger(__name__)


class OperatorMiddleware(BaseMiddleware):
    """An inner middleware: it asks Telegram only about events some handler takes.

    Anyone else's message does nothing and gets no answer (a member of the public in an open
    group learns nothing); their button press gets a short alert. Asks the desk's roster."""

    async def __call__(
        self,
        handler: Callable[[Message | CallbackQuery, dict[str, Any]], Awaitable[Any]],
        event: Message | CallbackQuery,
        data: dict[str, Any],
    ) -> Any:
        desk = data["desk"]
        lang = desk.lang
        try:
            operator = await desk.roster.operator_of(event, data["bot"])
        except TelegramAPIError as exc:
            log.warning("operators chat: membership could not be checked: %s", exc)
            text = _(
                "Telegram did not confirm that you are a member of this group. "
                "Please try again in a moment.",
                locale=lang,
            )
            if isinstance(event, CallbackQuery):
                await event.answer(text, show_alert=True)
            else:
                data["outbox"].send_message(
                    data["session"],
                    event.chat.id,
                    text,
                    reply_parameters={
                        "message_id": event.message_id,
                        "allow_sending_without_reply": True,
                    },
                )
            return None
        if operator is None:
            if isinstance(event, CallbackQuery):
                await event.answer(
                    _("Only the operators of this group can do this.", locale=lang),
                    show_alert=True,
                )
            return None
        data["operator"] = operator
        return await handler(event, data)
