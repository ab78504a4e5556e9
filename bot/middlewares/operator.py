"""Only operators act in an operators' group: every message and button press there passes
this middleware, which hands the handlers `operator` and the `group` or stops the event."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import Any

from aiogram import BaseMiddleware, Bot
from aiogram.exceptions import TelegramAPIError
from aiogram.types import CallbackQuery, Message
from aiogram.utils.i18n import gettext as _

from bot.desk.operators import Operator, OperatorRoster
from bot.filters import Sender, sender_of

log = logging.getLogger(__name__)


async def operator_of(
    event: Message | CallbackQuery, roster: OperatorRoster, bot: Bot
) -> Operator | None:
    """The operator behind a group message or button press, or None for anyone else: the
    group's anonymous administrator acts under its signature; a message on behalf of another
    chat (a channel), from a bot or from nobody does nothing. Raises TelegramAPIError when
    Telegram cannot say whether a person is a member."""
    if isinstance(event, Message):
        sender = sender_of(event)
        if sender is Sender.THE_CHAT:
            assert event.sender_chat is not None
            return Operator(roster.chat_id, event.author_signature or event.sender_chat.title or "")
        if sender is not Sender.PERSON:
            return None
    person = event.from_user
    assert person is not None  # a button press always has one
    if not await roster.is_operator(bot, person.id):
        return None
    return Operator(person.id, person.full_name)


class OperatorMiddleware(BaseMiddleware):
    """An inner middleware: it asks Telegram only about events some handler takes.

    Anyone else's message does nothing and gets no answer (a member of the public in an open
    group learns nothing); their button press gets a short alert. Asks the group's roster: a
    member of one operators' group is nobody in another."""

    async def __call__(
        self,
        handler: Callable[[Message | CallbackQuery, dict[str, Any]], Awaitable[Any]],
        event: Message | CallbackQuery,
        data: dict[str, Any],
    ) -> Any:
        chat = event.chat if isinstance(event, Message) else event.message.chat
        group = data["desk"].groups[chat.id]
        lang = group.lang
        try:
            operator = await operator_of(event, group.roster, data["bot"])
        except TelegramAPIError as exc:
            log.warning("operators chat %s: membership could not be checked: %s", chat.id, exc)
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
        data["group"] = group
        return await handler(event, data)
