"""The operators' groups: replies reach voters; buttons and commands manage tickets.

The router only sees the operators' chats (a router-level filter), and only a group's current
members act there (OperatorMiddleware hands the handlers `operator` and the `group`; anyone
else is stopped), on that group's tickets only. Buttons are also checked against the card they
sit on: a forged or copied callback for another ticket, or another group's, is refused.
"""

from __future__ import annotations

import html
from collections.abc import Collection

from aiogram import F, Router
from aiogram.filters import Command, CommandObject
from aiogram.types import CallbackQuery, ChatMemberUpdated, Message
from aiogram.utils.i18n import gettext as _
from sqlalchemy.ext.asyncio import AsyncSession

from bot.db.models import Ticket, utcnow
from bot.desk import Desk, OperatorsGroup, tickets
from bot.desk.cards import DeskAction
from bot.desk.operators import Operator
from bot.faq import KnowledgeBase
from bot.filters.magic import Magic
from bot.handlers.questions import answer_text
from bot.middlewares.operator import OperatorMiddleware
from bot.middlewares.ticket import GroupTicketMiddleware
from bot.outbox import Outbox

# Service messages (topic created, members joined...) are not answers.
ANSWER_CONTENT = {
    "text",
    "photo",
    "document",
    "video",
    "voice",
    "audio",
    "animation",
    "sticker",
    "video_note",
    "location",
    "contact",
}


def reply(session: AsyncSession, outbox: Outbox, message: Message, text: str) -> None:
    extra = {"message_thread_id": message.message_thread_id} if message.is_topic_message else {}
    outbox.send_message(session, message.chat.id, text, **extra)


async def on_operator_message(
    message: Message,
    ticket: Ticket | None,
    operator: Operator,
    group: OperatorsGroup,
    session: AsyncSession,
    desk: Desk,
    outbox: Outbox,
) -> None:
    if ticket is None:
        return
    if ticket.status == "closed":
        reply(
            session,
            outbox,
            message,
            _("{number} is closed: reopen it first.", locale=group.lang).format(
                number=ticket.number
            ),
        )
        return
    await desk.answer(session, ticket, message, operator)


async def on_card_button(
    callback: CallbackQuery,
    callback_data: DeskAction,
    operator: Operator,
    group: OperatorsGroup,
    session: AsyncSession,
    desk: Desk,
) -> None:
    ticket = await session.get(Ticket, callback_data.ticket_id)
    if ticket is not None and ticket.chat_id != group.chat_id:
        ticket = None  # another group's: refused below, as any button not on its card
    if ticket is not None and ticket.card_message_id is None and ticket.thread_id is None:
        # Operators see a card as Telegram takes it; under load the bot may not have its id yet.
        await callback.answer(
            _("This card is still on its way: press again in a moment.", locale=group.lang),
            show_alert=True,
        )
        return
    card = callback.message
    on_its_card = ticket is not None and (
        ticket.card_message_id == card.message_id
        or (group.forum and ticket.thread_id and card.message_thread_id == ticket.thread_id)
    )
    if not on_its_card:
        await callback.answer(
            _("This button is not valid here.", locale=group.lang), show_alert=True
        )
        return
    action = callback_data.action
    if action == "take":
        if not await desk.take(session, ticket, operator):
            await callback.answer(
                _("Already taken by {name}.", locale=group.lang).format(
                    name=ticket.operator_name or "—"
                ),
                show_alert=True,
            )
            return
    elif action == "close":
        await desk.close(session, ticket, by_user=False)
    elif action == "reopen":
        if not await desk.reopen(session, ticket):
            await callback.answer(
                _("Cannot reopen: the user has another open question.", locale=group.lang),
                show_alert=True,
            )
            return
    elif action == "ban":
        await desk.ban(session, ticket, operator.id)
    else:
        await callback.answer(_("This button is not valid here.", locale=group.lang))
        return
    await callback.answer()


async def list_open(
    message: Message, group: OperatorsGroup, session: AsyncSession, outbox: Outbox
) -> None:
    waiting = await tickets.open_tickets(session, group.chat_id)
    if not waiting:
        reply(session, outbox, message, _("No open questions.", locale=group.lang))
        return
    now = utcnow()
    lines = [_("Open questions, oldest first:", locale=group.lang)]
    for ticket in waiting[:50]:
        minutes = int((now - ticket.created_at).total_seconds() // 60)
        lines.append(
            f"{ticket.number} · {group.cards.status_name(ticket.status)} · {minutes} min · "
            f"{html.escape(ticket.question[:80])}"
        )
    reply(session, outbox, message, "\n".join(lines))


async def send_faq(
    message: Message,
    command: CommandObject,
    ticket: Ticket | None,
    operator: Operator,
    group: OperatorsGroup,
    session: AsyncSession,
    desk: Desk,
    outbox: Outbox,
    knowledge: KnowledgeBase,
) -> None:
    entry = knowledge.get((command.args or "").strip())
    if ticket is None or entry is None:
        reply(
            session,
            outbox,
            message,
            _(
                "Reply to a question's message with /faq <id>, e.g. /faq polling_station.",
                locale=group.lang,
            ),
        )
        return
    lang = await desk.voter_language(session, ticket)
    desk.answer_text(session, ticket, answer_text(entry, lang), operator)
    reply(
        session,
        outbox,
        message,
        _("Sent the answer '{id}' to {number}.", locale=group.lang).format(
            id=entry.id, number=ticket.number
        ),
    )


async def ban_user(
    message: Message,
    ticket: Ticket | None,
    operator: Operator,
    group: OperatorsGroup,
    session: AsyncSession,
    desk: Desk,
    outbox: Outbox,
) -> None:
    if ticket is None:
        reply(
            session,
            outbox,
            message,
            _("Reply to a question's message with /ban.", locale=group.lang),
        )
        return
    await desk.ban(session, ticket, operator.id)
    reply(
        session,
        outbox,
        message,
        _("The author of {number} is banned.", locale=group.lang).format(number=ticket.number),
    )


async def unban_user(
    message: Message,
    command: CommandObject,
    ticket: Ticket | None,
    group: OperatorsGroup,
    session: AsyncSession,
    outbox: Outbox,
) -> None:
    args = (command.args or "").strip()
    user_id = ticket.user_id if ticket else (int(args) if args.isdigit() else None)
    if user_id is None:
        reply(
            session,
            outbox,
            message,
            _("Reply to a question's message with /unban.", locale=group.lang),
        )
        return
    done = await tickets.unban(session, user_id)
    reply(
        session,
        outbox,
        message,
        _("Unbanned.", locale=group.lang)
        if done
        else _("That user is not banned.", locale=group.lang),
    )


async def show_stats(
    message: Message, group: OperatorsGroup, session: AsyncSession, outbox: Outbox
) -> None:
    figures = await tickets.stats(session, group.chat_id, group.voters)
    median = (
        f"{figures.median_first_answer.total_seconds() / 60:.0f} min"
        if figures.median_first_answer
        else "—"
    )
    lines = [
        _(
            "Today: {today} questions · open now: {open} · median time to first answer: {median}",
            locale=group.lang,
        ).format(today=figures.tickets_today, open=figures.open_now, median=median)
    ]
    if figures.top_unanswered:
        lines.append(_("Most asked without an answer (7 days):", locale=group.lang))
        lines += [
            f"{n}. {html.escape(text[:100])} — {count}"
            for n, (text, count) in enumerate(figures.top_unanswered, 1)
        ]
    reply(session, outbox, message, "\n".join(lines))


async def add_to_faq(
    message: Message,
    ticket: Ticket | None,
    operator: Operator,
    group: OperatorsGroup,
    session: AsyncSession,
    outbox: Outbox,
) -> None:
    answer = message.reply_to_message
    text = answer and (answer.html_text if (answer.text or answer.caption) else None)
    if ticket is None or not text:
        reply(
            session,
            outbox,
            message,
            _("Reply to an operator's answer with /addfaq.", locale=group.lang),
        )
        return
    await tickets.add_suggestion(session, ticket, text, operator.id)
    reply(
        session,
        outbox,
        message,
        _("Saved as a FAQ suggestion. Admins get it with /export.", locale=group.lang),
    )


async def on_member_update(update: ChatMemberUpdated, desk: Desk) -> None:
    """Someone joined, left, was removed or restricted: their rights there change at once."""
    desk.groups[update.chat.id].roster.learn(update.new_chat_member)


async def on_bot_membership(update: ChatMemberUpdated, session: AsyncSession, desk: Desk) -> None:
    """The bot itself was removed, restricted or let back in: the group goes down or up."""
    await desk.bot_membership_changed(session, update.chat.id, update.new_chat_member)


def create_router(operators_chat_ids: Collection[int]) -> Router:
    router = Router(name="operators")
    router.message.filter(Magic(F.chat.id.in_(operators_chat_ids)))
    router.callback_query.filter(Magic(F.message.chat.id.in_(operators_chat_ids)))
    router.chat_member.filter(Magic(F.chat.id.in_(operators_chat_ids)))
    router.my_chat_member.filter(Magic(F.chat.id.in_(operators_chat_ids)))
    router.message.middleware(OperatorMiddleware())
    router.callback_query.middleware(OperatorMiddleware())
    router.message.middleware(GroupTicketMiddleware())
    router.chat_member.register(on_member_update)
    router.my_chat_member.register(on_bot_membership)
    router.message.register(list_open, Command("open"))
    router.message.register(send_faq, Command("faq"))
    router.message.register(ban_user, Command("ban"))
    router.message.register(unban_user, Command("unban"))
    router.message.register(show_stats, Command("stats"))
    router.message.register(add_to_faq, Command("addfaq"))
    router.message.register(
        on_operator_message,
        Magic(F.content_type.in_(ANSWER_CONTENT)),
        Magic(~F.text.startswith("/")),
    )
    router.callback_query.register(on_card_button, DeskAction.filter())
    return router
