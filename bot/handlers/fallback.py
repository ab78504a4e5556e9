"""Whatever no other handler took: unknown commands and non-text messages."""

from __future__ import annotations

from aiogram import F, Router
from aiogram.types import Message
from aiogram.utils.i18n import gettext as _
from sqlalchemy.ext.asyncio import AsyncSession

from bot.filters.magic import Magic
from bot.handlers.keyboards import answer_stale_button
from bot.outbox import Outbox


async def unknown_command(message: Message, session: AsyncSession, outbox: Outbox) -> None:
    outbox.send_message(
        session, message.chat.id, _("I do not know this command. Send /help to see what I can do.")
    )


async def not_text(message: Message, session: AsyncSession, outbox: Outbox) -> None:
    outbox.send_message(
        session, message.chat.id, _("I can only read text. Please type your question in a message.")
    )


def create_router() -> Router:
    router = Router(name="fallback")
    router.message.filter(Magic(F.chat.type == "private"))
    router.message.register(unknown_command, Magic(F.text.startswith("/")))
    router.message.register(not_text)
    router.callback_query.register(answer_stale_button)  # forged or outdated data, any chat
    return router
