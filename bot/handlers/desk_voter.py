"""The voter's side of the operator desk: follow-ups to an active ticket, closing it (the
button under the confirmation, or /close)."""

from __future__ import annotations

from typing import Any

from aiogram import F, Router
from aiogram.filters import Command, Filter
from aiogram.types import CallbackQuery, Message
from aiogram.utils.i18n import I18n
from aiogram.utils.i18n import gettext as _
from sqlalchemy.ext.asyncio import AsyncSession

from bot.db.models import Ticket
from bot.desk import Desk, tickets
from bot.desk.cards import CloseMyTicket
from bot.faq import KnowledgeBase, MatchResult
from bot.filters.magic import Magic
from bot.handlers.keyboards import answer_stale_button
from bot.handlers.questions import send_answer
from bot.outbox import Outbox
from bot.services.questions import record_question


class HasActiveTicket(Filter):
    """Passes (with `ticket`) when the sender has a ticket the operators are working on."""

    async def __call__(self, message: Message, session: AsyncSession) -> bool | dict[str, Any]:
        ticket = await tickets.active_ticket(session, message.from_user.id)
        return {"ticket": ticket} if ticket else False


async def follow_up(
    message: Message,
    ticket: Ticket,
    session: AsyncSession,
    outbox: Outbox,
    desk: Desk,
    knowledge: KnowledgeBase,
    i18n: I18n,
    match: MatchResult | None = None,
) -> None:
    """An open ticket never silences the FAQ: a question it answers is answered (the
    operators still see it, in the ticket); anything else (a sticker: no `match`) joins the
    ticket, saying so."""
    lang = i18n.current_locale
    if match is not None and match.kind == "answer" and (entry := knowledge.get(match.entry_id)):
        question = await record_question(session, message.from_user.id, message.text, match)
        send_answer(session, outbox, message.chat.id, knowledge, entry, lang, question.id)
        desk.follow_up(session, ticket, message, lang=None)
        return
    desk.follow_up(session, ticket, message, lang=lang)


async def close_by_command(
    message: Message, session: AsyncSession, outbox: Outbox, desk: Desk
) -> None:
    ticket = await tickets.active_ticket(session, message.from_user.id)
    if ticket is None:
        outbox.send_message(session, message.chat.id, _("You have no open question to close."))
        return
    await desk.close(session, ticket, by_user=True)


async def close_my_ticket(
    callback: CallbackQuery, callback_data: CloseMyTicket, session: AsyncSession, desk: Desk
) -> None:
    ticket = await session.get(Ticket, callback_data.ticket_id)
    if ticket is None or ticket.user_id != callback.from_user.id:
        await answer_stale_button(callback)
        return
    await desk.close(session, ticket, by_user=True)
    await callback.answer()


def create_router() -> Router:
    router = Router(name="desk_user")
    router.message.filter(Magic(F.chat.type == "private"))
    router.message.register(close_by_command, Command("close"))
    router.message.register(follow_up, Magic(~F.text.startswith("/")), HasActiveTicket())
    router.callback_query.register(close_my_ticket, CloseMyTicket.filter())
    return router
