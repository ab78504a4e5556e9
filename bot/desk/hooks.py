"""What the desk does when the delivery worker reports back on a ticket's message: a card's or
topic's id recorded, messages that waited for them placed, a voter who blocked the bot reported,
a deleted topic or card made again."""

from __future__ import annotations

import logging
from typing import Any

from aiogram.exceptions import TelegramBadRequest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.db.models import OutboxMessage, Ticket
from bot.desk import tickets
from bot.desk.desk import KINDS, Desk, _purpose
from bot.outbox import DeliveryHooks, Purpose

log = logging.getLogger(__name__)

_THREAD_GONE = ("thread not found", "topic_deleted", "topic_id_invalid")
_MESSAGE_GONE = ("message to edit not found", "message_id_invalid")


class DeskHooks(DeliveryHooks):
    """The desk's delivery hooks, registered for the purposes of bot.desk.desk.FEATURE."""

    def __init__(self, desk: Desk) -> None:
        self.desk = desk

    async def on_sent(
        self, session: AsyncSession, row: OutboxMessage, purpose: Purpose, result: Any
    ) -> None:
        kind, ticket_id = purpose.kind, purpose.ref
        message_id = getattr(result, "message_id", None)
        if kind in ("card", "link", "note") and message_id:
            await tickets.link(session, row.chat_id, message_id, ticket_id)
        if kind == "card":
            ticket = await session.get(Ticket, ticket_id)
            ticket.card_message_id = message_id
            await self._place_pending(session, ticket)
            if row.params.get("text") != self.desk.card(ticket)[0]:
                self.desk.refresh(session, ticket)  # the ticket moved on while its card waited
        elif kind == "topic":
            ticket = await session.get(Ticket, ticket_id)
            ticket.thread_id = result.message_thread_id
            await self._place_pending(session, ticket)
            self.desk.post_card(session, ticket)

    async def _place_pending(self, session: AsyncSession, ticket: Ticket) -> None:
        """Messages for this ticket queued before its card or topic existed go there."""
        group = self.desk.group_of(ticket)
        rows = await session.scalars(
            select(OutboxMessage).where(
                OutboxMessage.status == "pending",
                OutboxMessage.chat_id == group.chat_id,
                OutboxMessage.purpose.in_([str(_purpose(kind, ticket)) for kind in KINDS]),
            )
        )
        where = self.desk._in_ticket(group, ticket)
        for pending in rows:
            if pending.method in ("sendMessage", "copyMessage"):
                pending.params = {**pending.params, **where}

    async def on_blocked(self, session: AsyncSession, row: OutboxMessage, purpose: Purpose) -> None:
        ticket = await session.get(Ticket, purpose.ref)
        if ticket is not None and purpose.kind == "user":
            self.desk.tell_group(
                session,
                ticket,
                self.desk.i18n.gettext(
                    "⚠️ {number}: the user has blocked the bot, the message was not delivered.",
                    locale=self.desk.group_language(ticket),
                ).format(number=ticket.number),
            )

    async def on_bad_request(
        self,
        session: AsyncSession,
        row: OutboxMessage,
        purpose: Purpose,
        error: TelegramBadRequest,
    ) -> bool:
        ticket = await session.get(Ticket, purpose.ref)
        group = self.desk.group_of(ticket) if ticket is not None else None
        if group is None or row.chat_id != group.chat_id:
            return False
        reason = error.message.lower()
        if group.forum and any(gone in reason for gone in _THREAD_GONE):
            log.warning("topic of %s was deleted; creating a new one", ticket.number)
            ticket.thread_id = None
            self.desk.post_ticket(session, ticket)
            if row.method in ("sendMessage", "copyMessage"):
                params = {k: v for k, v in row.params.items() if k != "message_thread_id"}
                self.desk.outbox.call(
                    session,
                    row.method,
                    row.chat_id,
                    purpose,
                    lane=row.lane,
                    **{k: v for k, v in params.items() if k != "chat_id"},
                )
            return True
        if any(gone in reason for gone in _MESSAGE_GONE) and row.method == "editMessageText":
            log.warning("card of %s was deleted; posting it again", ticket.number)
            ticket.card_message_id = None
            self.desk.post_card(session, ticket)  # in its topic, or anew in the group
            return True
        return False
