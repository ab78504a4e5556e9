"""Which ticket an operator's message in the group is about, found once for every handler."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from aiogram import BaseMiddleware
from aiogram.types import Message
from sqlalchemy.ext.asyncio import AsyncSession

from bot.db.models import Ticket
from bot.desk import OperatorsGroup, tickets


async def ticket_of(
    message: Message, session: AsyncSession, group: OperatorsGroup
) -> Ticket | None:
    """The group's ticket a message in it is about: its topic, or the message it replies to.
    Another group's ticket is never one (its operators are that group's members)."""
    chat_id = message.chat.id
    if group.forum and message.is_topic_message and message.message_thread_id:
        ticket = await tickets.ticket_by_thread(session, chat_id, message.message_thread_id)
        if ticket:
            return ticket
    replied = message.reply_to_message
    if replied is None:
        return None
    ticket = await tickets.ticket_by_group_message(session, chat_id, replied.message_id)
    if ticket is None and replied.from_user and replied.from_user.id == (await message.bot.me()).id:
        # A card answered in the instant before its delivery was recorded: it names its ticket.
        ticket = await tickets.ticket_named_in(session, replied.text or replied.caption or "")
    return ticket if ticket is not None and ticket.chat_id == chat_id else None


class GroupTicketMiddleware(BaseMiddleware):
    """Gives the operators' message handlers `ticket`: the ticket the message is about, or
    None. An inner middleware after OperatorMiddleware (it reads `group`), so it runs only
    for an operator's message some handler takes."""

    async def __call__(
        self,
        handler: Callable[[Message, dict[str, Any]], Awaitable[Any]],
        event: Message,
        data: dict[str, Any],
    ) -> Any:
        data["ticket"] = await ticket_of(event, data["session"], data["group"])
        return await handler(event, data)
