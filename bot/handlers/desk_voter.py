"""The voter's side of the operator desk: follow-ups to an active ticket, closing it."""

from __future__ import annotations

from typing import Any

from aiogram import F, Router
from aiogram.filters import Filter
from aiogram.types import CallbackQuery, Message
from sqlalchemy.ext.asyncio import AsyncSession

from bot.db.models import Ticket
from bot.desk import Desk, tickets
from bot.desk.cards import CloseMyTicket
from bot.handlers.keyboards import answer_stale_button


class HasActiveTicket(Filter):
    """Passes (with `ticket`) when the sender has a ticket the operators are working on."""

    async def __call__(self, message: Message, session: AsyncSession) -> bool | dict[str, Any]:
        ticket = await tickets.active_ticket(session, message.from_user.id)
        return {"ticket": ticket} if ticket else False


async def follow_up(message: Message, ticket: Ticket, session: AsyncSession, desk: Desk) -> None:
    desk.follow_up(session, ticket, message)


async def close_my_ticket(
    callback: CallbackQuery, callback_data: CloseMyTicket, session: AsyncSession, desk: Desk
) -> None:
    ticket = await session.get(Ticket, callback_data.ticket_id)
    if ticket is None or ticket.user_id != callback.from_user.id:
        await answer_stale_button(callback)
        return
    desk.close(session, ticket, by_user=True)
    await callback.answer()


def create_router() -> Router:
    router = Router(name="desk_user")
    router.message.filter(F.chat.type == "private")
    router.message.register(follow_up, ~F.text.startswith("/"), HasActiveTicket())
    router.callback_query.register(close_my_ticket, CloseMyTicket.filter())
    return router
