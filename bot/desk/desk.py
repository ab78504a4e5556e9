"""The operator desk: tickets shown in the operators' groups, and everything said about them.

A ticket lives in the group of its voter's language (OPERATORS_CHATS, else OPERATORS_CHAT_ID),
chosen when it is opened; each group has its own members, mode (forum or cards), language and
Telegram budget.

Every message goes through the outbox; this module decides what is said, to whom and in which
language. What a card looks like is in cards.py; what happens when the delivery worker reports
back (a card's message id, a new forum topic, a blocked bot, a deleted topic or card) in hooks.py.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from aiogram import Bot
from aiogram.exceptions import TelegramAPIError
from aiogram.types import ChatMember, InlineKeyboardMarkup, Message
from aiogram.utils.i18n import I18n
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.config import Settings
from bot.content import LANGS
from bot.db.engine import after_commit
from bot.db.models import Ticket, utcnow
from bot.desk import tickets
from bot.desk.cards import Cards, quote
from bot.desk.operators import Operator, OperatorRoster, can_post
from bot.desk.queueing import minutes_until_seen
from bot.faq.models import FaqEntry
from bot.outbox import OperatorsChats, Outbox, Purpose, queue, shuts_the_bot_out
from bot.services.metrics import Metrics
from bot.services.users import language_of

log = logging.getLogger(__name__)


FEATURE = "desk"  # the desk's rows carry Purpose("desk", kind, ticket id)
# Kinds of the desk's rows: a message to the voter; in the group a message linked to the
# ticket (a voter's follow-up), a topic, a card, a topic's name, a card's edit, a note.
KINDS = ("user", "link", "topic", "card", "topic_name", "card_edit", "note")


def _purpose(kind: str, ticket: Ticket) -> Purpose:
    return Purpose(FEATURE, kind, ticket.id)


def _in_group(kind: str, ticket: Ticket) -> dict[str, Any]:
    """The outbox fields of a ticket's row in its group: its purpose, and the ticket's own
    lane (its id), so that its rows keep their order while other tickets' go beside them
    (bot/outbox/queue.py)."""
    return {"purpose": _purpose(kind, ticket), "lane": ticket.id}


@dataclass
class OperatorsGroup:
    """One operators' group: who its operators are, what its cards say and in which language
    (its refusals and instructions too), and whether it has topics (read at start)."""

    chat_id: int
    lang: str
    voters: tuple[str, ...]  # the languages of the voters whose tickets it gets
    roster: OperatorRoster
    cards: Cards
    forum: bool = False


class Desk:
    def __init__(
        self,
        settings: Settings,
        outbox: Outbox,
        i18n: I18n,
        operators: OperatorsChats,
        helpline: FaqEntry | None = None,
        metrics: Metrics | None = None,
    ) -> None:
        self.metrics = metrics or Metrics()
        self.operators = operators
        operators.listen(self._reachability_changed)
        self.admin_ids = sorted(settings.admin_ids)
        self.helpline = helpline  # offered to voters while no operator can be reached
        # A group's sending rate, messages a minute, for telling voters how long they wait.
        self.group_per_minute = (
            settings.rate_group_per_minute * 60.0 / settings.rate_group_window_seconds
        )
        self.group_for = settings.operators_group_for  # a voter's language -> the group's id
        self.groups = {
            chat_id: OperatorsGroup(
                chat_id,
                lang,
                tuple(voters for voters in LANGS if self.group_for(voters) == chat_id),
                OperatorRoster(chat_id),
                Cards(i18n, lang),
            )
            for chat_id, lang in settings.operators_groups().items()
        }
        self.lang = settings.operators_language  # of the admins' alerts
        self.remind_after = timedelta(minutes=settings.ticket_remind_minutes)
        self.outbox = outbox
        self.i18n = i18n
        self.cards = Cards(i18n, self.lang)  # for the voter's button; each group has its own
        self._reminders: asyncio.Task | None = None

    def group_of(self, ticket: Ticket) -> OperatorsGroup | None:
        """The group the ticket lives in, if it has one (and it is still configured)."""
        return self.groups.get(ticket.chat_id) if ticket.chat_id is not None else None

    # --- start-up -------------------------------------------------------------------------
    async def start(
        self, bot: Bot, session_factory: async_sessionmaker, remind_every: float = 30.0
    ) -> None:
        if not self.groups:
            log.warning("OPERATORS_CHAT_ID is not set: tickets are stored, no group gets them")
            return
        for group in self.groups.values():
            await self._look_at(bot, session_factory, group)
        self._reminders = asyncio.create_task(self._remind_forever(session_factory, remind_every))

    async def _look_at(
        self, bot: Bot, session_factory: async_sessionmaker, group: OperatorsGroup
    ) -> None:
        """Learn whether the group is a forum. Only Telegram's word that the bot cannot post
        there marks it unreachable; a 5xx or a network error says nothing about the group,
        which then stays as the last real send leaves it (voters are told what happens)."""
        try:
            chat = await bot.get_chat(group.chat_id)
        except TelegramAPIError as exc:
            if not shuts_the_bot_out(exc):
                log.warning(
                    "could not look at operators chat %s at start-up (%s); tickets go there "
                    "as cards, and the first send tells whether it can be reached",
                    group.chat_id,
                    exc,
                )
                return
            log.error(
                "operators chat %s is unreachable at start-up (%s); tickets are kept and "
                "delivered when the bot is back in the group",
                group.chat_id,
                exc,
            )
            async with session_factory() as session:
                await self.operators.set_reachable(session, group.chat_id, False)
                await session.commit()
            return
        group.forum = bool(chat.is_forum)
        mode = "forum" if group.forum else "card"
        log.info("operators chat %s (%s): %s mode", group.chat_id, group.lang, mode)

    async def stop(self) -> None:
        if self._reminders:
            self._reminders.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._reminders

    # --- a group lost and regained --------------------------------------------------------
    async def bot_membership_changed(
        self, session: AsyncSession, chat_id: int, member: ChatMember
    ) -> None:
        """The bot's own membership in an operators' group changed (a my_chat_member update)."""
        await self.operators.set_reachable(session, chat_id, can_post(member))

    async def _reachability_changed(
        self, session: AsyncSession, chat_id: int, reachable: bool
    ) -> None:
        """Every admin hears at once that a group went down or came back (which one, by id)."""
        if reachable:
            text = self.i18n.gettext(
                "✅ The operators' group can be reached again: the kept tickets and messages "
                "are being delivered now.",
                locale=self.lang,
            )
        else:
            text = self.i18n.gettext(
                "⚠️ The operators' group cannot be reached: the bot was removed from it or may "
                "no longer post there. Voters' tickets are kept and will be delivered when the "
                "bot is back. Add the bot to the group again, as an administrator.",
                locale=self.lang,
            )
        if len(self.groups) > 1:
            text += f"\n({chat_id})"
        for admin_id in self.admin_ids:
            self.outbox.send_message(session, admin_id, text)

    # --- what the voter sees --------------------------------------------------------------
    def _tell_user(self, session: AsyncSession, ticket: Ticket, text: str, **params: Any):
        return self.outbox.send_message(
            session, ticket.user_id, text, purpose=_purpose("user", ticket), **params
        )

    async def ask(
        self,
        session: AsyncSession,
        user_id: int,
        first_name: str,
        username: str | None,
        question: str,
        lang: str,
        guesses: list[str],
    ) -> None:
        """The voter asked for an operator: a new ticket, or their active one grows."""
        gettext = self.i18n.gettext
        if await tickets.is_banned(session, user_id):
            self.outbox.send_message(
                session,
                user_id,
                gettext("Sorry, your messages can no longer be passed to operators.", locale=lang),
            )
            return
        ticket, created = await tickets.open_ticket(
            session, user_id, lang, self.group_for(lang), question, guesses, first_name, username
        )
        if not created:
            self.tell_group(session, ticket, f"➕ {ticket.number}: {quote(question)}")
            self._tell_user(
                session,
                ticket,
                gettext("Added to your question {number}.", locale=lang).format(
                    number=ticket.number
                ),
            )
            return
        self.post_ticket(session, ticket)
        after_commit(session, self.metrics.tickets_opened.inc)
        if ticket.chat_id is None or not self.operators.reachable(ticket.chat_id):
            text = gettext(
                "Operators are not available right now. Your question {number} is "
                "saved, and they will answer you here later.",
                locale=lang,
            ).format(number=ticket.number)
            text = self.with_helpline(
                text, gettext("If you need an answer sooner:", locale=lang), lang
            )
        else:
            text = gettext(
                "Your question has been passed to an operator as {number}. The answer "
                "will come here. You can add details by writing more messages.",
                locale=lang,
            ).format(number=ticket.number)
            waiting = await queue.waiting_for(session, ticket.chat_id)
            minutes = minutes_until_seen(waiting, self.group_per_minute)
            if minutes is not None:
                text += "\n\n" + gettext(
                    "Many questions are arriving right now: operators will see yours in about "
                    "{minutes} min.",
                    locale=lang,
                ).format(minutes=minutes)
        self._tell_user(
            session,
            ticket,
            text,
            reply_markup=self.cards.user_keyboard(ticket, lang),
        )

    def with_helpline(self, text: str, lead: str, lang: str) -> str:
        """`text`, then `lead` and the FAQ's helpline answer (when the FAQ has one)."""
        if self.helpline is None:
            return text
        return f"{text}\n\n{lead}\n{self.helpline.answer.get(lang)}"

    def follow_up(
        self, session: AsyncSession, ticket: Ticket, message: Message, lang: str | None
    ) -> None:
        """A message from a voter whose ticket is active goes to the operators as it is. With
        `lang`, the voter is told (in it) that it joined the ticket; without, they were
        answered otherwise (the FAQ) and the copy only keeps the ticket's history whole."""
        if group := self.group_of(ticket):
            self.outbox.copy_message(
                session,
                group.chat_id,
                message.chat.id,
                message.message_id,
                **_in_group("link", ticket),
                **self._in_ticket(group, ticket),
            )
        if lang is not None:
            self._tell_user(
                session,
                ticket,
                self.i18n.gettext("Added to your question {number}.", locale=lang).format(
                    number=ticket.number
                ),
            )

    # --- the operators' groups ------------------------------------------------------------
    def card(self, ticket: Ticket) -> tuple[str, InlineKeyboardMarkup]:
        group = self.group_of(ticket)
        assert group is not None
        return group.cards.card(ticket)

    @staticmethod
    def _in_ticket(group: OperatorsGroup, ticket: Ticket) -> dict[str, Any]:
        """Where in its group a message about this ticket goes."""
        if group.forum:
            return {"message_thread_id": ticket.thread_id} if ticket.thread_id else {}
        if ticket.card_message_id:
            return {
                "reply_parameters": {
                    "message_id": ticket.card_message_id,
                    "allow_sending_without_reply": True,
                }
            }
        return {}

    def post_ticket(self, session: AsyncSession, ticket: Ticket) -> None:
        group = self.group_of(ticket)
        if group is None:
            return
        if group.forum:
            self.outbox.call(
                session,
                "createForumTopic",
                group.chat_id,
                **_in_group("topic", ticket),
                name=group.cards.topic_name(ticket),
            )
        else:
            self.post_card(session, ticket)

    def post_card(self, session: AsyncSession, ticket: Ticket) -> None:
        """Send the ticket's card where the ticket lives: its topic in a forum, else the group."""
        group = self.group_of(ticket)
        if group is None:
            return
        text, keyboard = group.cards.card(ticket)
        self.outbox.send_message(
            session,
            group.chat_id,
            text,
            **_in_group("card", ticket),
            reply_markup=keyboard,
            **self._in_ticket(group, ticket),
        )

    def refresh(self, session: AsyncSession, ticket: Ticket) -> None:
        """Show the ticket's new status on its card (and topic name)."""
        group = self.group_of(ticket)
        if group is None:
            return
        if group.forum and ticket.thread_id:
            self.outbox.call(
                session,
                "editForumTopic",
                group.chat_id,
                **_in_group("topic_name", ticket),
                message_thread_id=ticket.thread_id,
                name=group.cards.topic_name(ticket),
            )
        if ticket.card_message_id:
            text, keyboard = group.cards.card(ticket)
            self.outbox.call(
                session,
                "editMessageText",
                group.chat_id,
                **_in_group("card_edit", ticket),
                message_id=ticket.card_message_id,
                text=text,
                reply_markup=keyboard,
            )

    def tell_group(self, session: AsyncSession, ticket: Ticket, text: str) -> None:
        """`text` is in the group's language (see group_language)."""
        if group := self.group_of(ticket):
            self.outbox.send_message(
                session,
                group.chat_id,
                text,
                **_in_group("note", ticket),
                **self._in_ticket(group, ticket),
            )

    def group_language(self, ticket: Ticket) -> str:
        group = self.group_of(ticket)
        return group.lang if group else self.lang

    # --- operators act --------------------------------------------------------------------
    async def answer(
        self, session: AsyncSession, ticket: Ticket, message: Message, operator: Operator
    ) -> None:
        """An operator's reply (any content) goes to the voter, with a header."""
        await tickets.link(session, message.chat.id, message.message_id, ticket.id)
        header = self.i18n.gettext(
            "💬 An operator answers your question {number}:",
            locale=await self.voter_language(session, ticket),
        ).format(number=ticket.number)
        self._tell_user(session, ticket, header)
        self.outbox.copy_message(
            session,
            ticket.user_id,
            message.chat.id,
            message.message_id,
            purpose=_purpose("user", ticket),
        )
        self._record_answer(session, ticket, operator)

    def _record_answer(self, session: AsyncSession, ticket: Ticket, operator: Operator) -> None:
        if ticket.first_answer_at is None:
            after_commit(session, self.metrics.tickets_answered.inc)
        was = ticket.status
        tickets.record_answer(ticket, operator.id, operator.name)
        if ticket.status != was:
            self.refresh(session, ticket)

    async def voter_language(self, session: AsyncSession, ticket: Ticket) -> str:
        """The voter's language now (they may have changed it since they asked)."""
        return await language_of(session, ticket.user_id, ticket.lang)

    def answer_text(
        self, session: AsyncSession, ticket: Ticket, text: str, operator: Operator
    ) -> None:
        """An answer written by the bot on an operator's behalf (/faq)."""
        self._tell_user(session, ticket, text)
        self._record_answer(session, ticket, operator)

    async def take(self, session: AsyncSession, ticket: Ticket, operator: Operator) -> bool:
        """The operator takes the ticket; False if someone else has it or it is closed."""
        if not tickets.take(ticket, operator.id, operator.name):
            return False
        self.refresh(session, ticket)
        self._tell_user(
            session,
            ticket,
            self.i18n.gettext(
                "An operator has taken your question {number}.",
                locale=await self.voter_language(session, ticket),
            ).format(number=ticket.number),
        )
        return True

    async def close(self, session: AsyncSession, ticket: Ticket, by_user: bool) -> bool:
        """Close the ticket and tell the voter (and, when the voter closed it, the group)."""
        if not tickets.close(ticket):
            return False
        self.refresh(session, ticket)
        gettext = self.i18n.gettext
        lang = await self.voter_language(session, ticket)
        if by_user:
            self.tell_group(
                session,
                ticket,
                gettext(
                    "{number} was closed by the user.", locale=self.group_language(ticket)
                ).format(number=ticket.number),
            )
            text = gettext(
                "Your question {number} is closed. Ask me anything else at any time.",
                locale=lang,
            )
        else:
            text = gettext(
                "An operator has closed your question {number}. If you need more "
                "help, just ask again.",
                locale=lang,
            )
        self._tell_user(session, ticket, text.format(number=ticket.number))
        return True

    async def reopen(self, session: AsyncSession, ticket: Ticket) -> bool:
        """False if it is not closed or its voter has another active ticket meanwhile."""
        if not await tickets.reopen(session, ticket):
            return False
        self.refresh(session, ticket)
        return True

    async def ban(self, session: AsyncSession, ticket: Ticket, operator_id: int) -> None:
        """The voter's messages no longer reach operators; the ticket closes without a word
        to them."""
        await tickets.ban(session, ticket.user_id, operator_id)
        if tickets.close(ticket):
            self.refresh(session, ticket)

    # --- reminders ------------------------------------------------------------------------
    async def remind(self, session: AsyncSession) -> int:
        due = await tickets.due_reminders(session, self.remind_after)
        for ticket in due:
            waited = int((utcnow() - ticket.created_at).total_seconds() // 60)
            self.tell_group(
                session,
                ticket,
                self.i18n.gettext(
                    "⏰ {number} has been waiting for {minutes} min. Who takes it?",
                    locale=self.group_language(ticket),
                ).format(number=ticket.number, minutes=waited),
            )
            ticket.reminded_at = utcnow()
        return len(due)

    async def _remind_forever(self, session_factory: async_sessionmaker, every: float) -> None:
        while True:
            await asyncio.sleep(every)
            try:
                async with session_factory() as session:
                    await self.remind(session)
                    await session.commit()
            except Exception:
                log.exception("ticket reminders failed; will try again")
