"""The operator desk: tickets shown in the operators' group, and everything said about them.

Every message goes through the outbox; this module decides what is said, to whom, in which
language, and reacts when the delivery worker reports back (a card's message id, a new forum
topic, a user who blocked the bot, a deleted topic or card).
"""

from __future__ import annotations

import asyncio
import contextlib
import html
import logging
from datetime import timedelta
from typing import Any

from aiogram import Bot
from aiogram.exceptions import TelegramAPIError, TelegramBadRequest
from aiogram.types import InlineKeyboardMarkup, Message
from aiogram.types import User as TelegramUser
from aiogram.utils.i18n import I18n
from aiogram.utils.keyboard import InlineKeyboardBuilder
from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.config import Settings
from bot.db.models import OutboxMessage, Ticket, User, utcnow
from bot.desk import tickets
from bot.desk.cards import CloseMyTicket, DeskAction
from bot.outbox import OperatorsChat, Outbox

log = logging.getLogger(__name__)

CARD_QUESTION_LIMIT = 3000
_THREAD_GONE = ("thread not found", "topic_deleted", "topic_id_invalid")
_MESSAGE_GONE = ("message to edit not found", "message_id_invalid")


def _purpose(kind: str, ticket: Ticket) -> str:
    return f"{kind}:{ticket.id}"


def _ticket_id(purpose: str | None) -> int | None:
    if purpose and ":" in purpose:
        tail = purpose.rsplit(":", 1)[1]
        return int(tail) if tail.isdigit() else None
    return None


class Desk:
    def __init__(
        self, settings: Settings, outbox: Outbox, i18n: I18n, operators: OperatorsChat
    ) -> None:
        self.operators = operators
        self.chat_id = settings.operators_chat_id
        self.lang = settings.operators_language
        self.remind_after = timedelta(minutes=settings.ticket_remind_minutes)
        self.outbox = outbox
        self.i18n = i18n
        self.forum = False
        self._reminders: asyncio.Task | None = None

    # --- start-up -------------------------------------------------------------------------
    async def start(
        self, bot: Bot, session_factory: async_sessionmaker, remind_every: float = 30.0
    ) -> None:
        if self.chat_id is None:
            log.warning("OPERATORS_CHAT_ID is not set: tickets are stored, no group gets them")
            return
        try:
            chat = await bot.get_chat(self.chat_id)
            self.forum = bool(chat.is_forum)
            log.info("operators chat %s: %s mode", self.chat_id, "forum" if self.forum else "card")
        except TelegramAPIError as exc:
            self.operators.reachable = False
            log.error(
                "operators chat %s is unreachable at start-up (%s); tickets are kept and "
                "delivered when the bot is back in the group",
                self.chat_id,
                exc,
            )
        self._reminders = asyncio.create_task(self._remind_forever(session_factory, remind_every))

    async def stop(self) -> None:
        if self._reminders:
            self._reminders.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._reminders

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
            session, user_id, lang, question, guesses, first_name, username
        )
        if not created:
            self.tell_group(session, ticket, f"➕ {ticket.number}: {html.escape(question)}")
            self._tell_user(
                session,
                ticket,
                gettext("Added to your question {number}.", locale=ticket.lang).format(
                    number=ticket.number
                ),
            )
            return
        self.post_ticket(session, ticket)
        if self.chat_id is None or not self.operators.reachable:
            text = gettext(
                "Operators are not available right now. Your question {number} is "
                "saved, and they will answer you here later.",
                locale=ticket.lang,
            )
        else:
            text = gettext(
                "Your question has been passed to an operator as {number}. The answer "
                "will come here. You can add details by writing more messages.",
                locale=ticket.lang,
            )
        self._tell_user(
            session,
            ticket,
            text.format(number=ticket.number),
            reply_markup=self.user_keyboard(ticket),
        )

    def follow_up(self, session: AsyncSession, ticket: Ticket, message: Message) -> None:
        """A message from a voter whose ticket is active goes to the operators as it is."""
        if self.chat_id is not None:
            self.outbox.copy_message(
                session,
                self.chat_id,
                message.chat.id,
                message.message_id,
                purpose=_purpose("link", ticket),
                **self._in_ticket(ticket),
            )
        self._tell_user(
            session,
            ticket,
            self.i18n.gettext("Added to your question {number}.", locale=ticket.lang).format(
                number=ticket.number
            ),
        )

    def user_keyboard(self, ticket: Ticket) -> InlineKeyboardMarkup:
        builder = InlineKeyboardBuilder()
        builder.button(
            text=self.i18n.gettext("Close my question", locale=ticket.lang),
            callback_data=CloseMyTicket(ticket_id=ticket.id),
        )
        return builder.as_markup()

    # --- the operators' group -------------------------------------------------------------
    def _in_ticket(self, ticket: Ticket) -> dict[str, Any]:
        """Where in the group a message about this ticket goes."""
        if self.forum:
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
        if self.chat_id is None:
            return
        if self.forum:
            self.outbox.call(
                session,
                "createForumTopic",
                self.chat_id,
                _purpose("topic", ticket),
                name=self.topic_name(ticket),
            )
        else:
            text, keyboard = self.card(ticket)
            self.outbox.send_message(
                session, self.chat_id, text, _purpose("card", ticket), reply_markup=keyboard
            )

    def status_name(self, status: str) -> str:
        gettext, lang = self.i18n.gettext, self.lang
        return {
            "open": gettext("open", locale=lang),
            "taken": gettext("taken", locale=lang),
            "answered": gettext("answered", locale=lang),
            "closed": gettext("closed", locale=lang),
        }[status]

    def topic_name(self, ticket: Ticket) -> str:
        return f"{ticket.number} · {self.status_name(ticket.status)} · {ticket.first_name}"[:128]

    def card(self, ticket: Ticket) -> tuple[str, InlineKeyboardMarkup]:
        gettext, lang = self.i18n.gettext, self.lang
        who = html.escape(ticket.first_name)
        if ticket.username:
            who += f" (@{html.escape(ticket.username)})"
        question = html.escape(ticket.question[:CARD_QUESTION_LIMIT])
        lines = [
            f"🎫 <b>{ticket.number}</b> · {self.status_name(ticket.status)}",
            f"👤 {who} · {ticket.lang}",
            f"❓ {question}",
        ]
        if ticket.guesses:
            lines.append(
                gettext("🤖 Bot's guesses: {ids}", locale=lang).format(
                    ids=", ".join(ticket.guesses)
                )
            )
        if ticket.operator_name:
            lines.append(
                gettext("🙋 Operator: {name}", locale=lang).format(
                    name=html.escape(ticket.operator_name)
                )
            )
        builder = InlineKeyboardBuilder()
        if ticket.status == "closed":
            builder.button(
                text=gettext("↩️ Reopen", locale=lang),
                callback_data=DeskAction(action="reopen", ticket_id=ticket.id),
            )
        else:
            if ticket.status == "open":
                builder.button(
                    text=gettext("✋ Take", locale=lang),
                    callback_data=DeskAction(action="take", ticket_id=ticket.id),
                )
            builder.button(
                text=gettext("✅ Close", locale=lang),
                callback_data=DeskAction(action="close", ticket_id=ticket.id),
            )
            builder.button(
                text=gettext("⛔ Ban", locale=lang),
                callback_data=DeskAction(action="ban", ticket_id=ticket.id),
            )
        builder.adjust(3)
        return "\n".join(lines), builder.as_markup()

    def refresh(self, session: AsyncSession, ticket: Ticket) -> None:
        """Show the ticket's new status on its card (and topic name)."""
        if self.chat_id is None:
            return
        if self.forum and ticket.thread_id:
            self.outbox.call(
                session,
                "editForumTopic",
                self.chat_id,
                _purpose("topic_name", ticket),
                message_thread_id=ticket.thread_id,
                name=self.topic_name(ticket),
            )
        if ticket.card_message_id:
            text, keyboard = self.card(ticket)
            self.outbox.call(
                session,
                "editMessageText",
                self.chat_id,
                _purpose("card_edit", ticket),
                message_id=ticket.card_message_id,
                text=text,
                reply_markup=keyboard,
            )

    def tell_group(self, session: AsyncSession, ticket: Ticket, text: str) -> None:
        if self.chat_id is not None:
            self.outbox.send_message(
                session, self.chat_id, text, _purpose("note", ticket), **self._in_ticket(ticket)
            )

    # --- operators act --------------------------------------------------------------------
    async def answer(self, session: AsyncSession, ticket: Ticket, message: Message) -> None:
        """An operator's reply (any content) goes to the voter, with a header."""
        operator = message.from_user
        await tickets.link(session, message.message_id, ticket.id)
        header = self.i18n.gettext(
            "💬 An operator answers your question {number}:", locale=ticket.lang
        ).format(number=ticket.number)
        self._tell_user(session, ticket, header)
        self.outbox.copy_message(
            session,
            ticket.user_id,
            message.chat.id,
            message.message_id,
            purpose=_purpose("user", ticket),
        )
        was = ticket.status
        tickets.record_answer(ticket, operator.id, operator.full_name)
        if ticket.status != was:
            self.refresh(session, ticket)

    def answer_text(
        self, session: AsyncSession, ticket: Ticket, text: str, operator: TelegramUser
    ) -> None:
        """An answer written by the bot on an operator's behalf (/faq)."""
        self._tell_user(session, ticket, text)
        was = ticket.status
        tickets.record_answer(ticket, operator.id, operator.full_name)
        if ticket.status != was:
            self.refresh(session, ticket)

    def taken(self, session: AsyncSession, ticket: Ticket) -> None:
        self.refresh(session, ticket)
        self._tell_user(
            session,
            ticket,
            self.i18n.gettext(
                "An operator has taken your question {number}.", locale=ticket.lang
            ).format(number=ticket.number),
        )

    def closed(self, session: AsyncSession, ticket: Ticket, by_user: bool) -> None:
        self.refresh(session, ticket)
        gettext = self.i18n.gettext
        if by_user:
            self.tell_group(
                session,
                ticket,
                gettext("{number} was closed by the user.", locale=self.lang).format(
                    number=ticket.number
                ),
            )
            text = gettext(
                "Your question {number} is closed. Ask me anything else at any time.",
                locale=ticket.lang,
            )
        else:
            text = gettext(
                "An operator has closed your question {number}. If you need more "
                "help, just ask again.",
                locale=ticket.lang,
            )
        self._tell_user(session, ticket, text.format(number=ticket.number))

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
                    locale=self.lang,
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

    # --- delivery hooks -------------------------------------------------------------------
    async def on_sent(self, session: AsyncSession, row: OutboxMessage, result: Any) -> None:
        ticket_id = _ticket_id(row.purpose)
        if ticket_id is None:
            return
        kind = row.purpose.split(":", 1)[0]
        message_id = getattr(result, "message_id", None)
        if kind in ("card", "link", "note") and message_id:
            await tickets.link(session, message_id, ticket_id)
        if kind == "card":
            ticket = await session.get(Ticket, ticket_id)
            ticket.card_message_id = message_id
            await self._place_pending(session, ticket)
            if row.params.get("text") != self.card(ticket)[0]:
                self.refresh(session, ticket)  # the ticket moved on while its card waited
        elif kind == "topic":
            ticket = await session.get(Ticket, ticket_id)
            ticket.thread_id = result.message_thread_id
            await self._place_pending(session, ticket)
            text, keyboard = self.card(ticket)
            self.outbox.send_message(
                session,
                self.chat_id,
                text,
                _purpose("card", ticket),
                reply_markup=keyboard,
                message_thread_id=ticket.thread_id,
            )

    async def _place_pending(self, session: AsyncSession, ticket: Ticket) -> None:
        """Messages for this ticket queued before its card or topic existed go there."""
        rows = await session.scalars(
            select(OutboxMessage).where(
                OutboxMessage.status == "pending",
                OutboxMessage.chat_id == self.chat_id,
                OutboxMessage.purpose.like(f"%:{ticket.id}"),
            )
        )
        where = self._in_ticket(ticket)
        for pending in rows:
            if pending.method in ("sendMessage", "copyMessage"):
                pending.params = {**pending.params, **where}

    async def on_blocked(self, session: AsyncSession, row: OutboxMessage) -> None:
        await session.execute(update(User).where(User.id == row.chat_id).values(blocked_bot=True))
        ticket_id = _ticket_id(row.purpose)
        ticket = await session.get(Ticket, ticket_id) if ticket_id else None
        if ticket is not None and row.purpose.startswith("user:"):
            self.tell_group(
                session,
                ticket,
                self.i18n.gettext(
                    "⚠️ {number}: the user has blocked the bot, the message was not delivered.",
                    locale=self.lang,
                ).format(number=ticket.number),
            )

    async def on_bad_request(
        self, session: AsyncSession, row: OutboxMessage, error: TelegramBadRequest
    ) -> bool:
        ticket_id = _ticket_id(row.purpose)
        if row.chat_id != self.chat_id or ticket_id is None:
            return False
        reason = error.message.lower()
        ticket = await session.get(Ticket, ticket_id)
        if self.forum and any(gone in reason for gone in _THREAD_GONE):
            log.warning("topic of %s was deleted; creating a new one", ticket.number)
            ticket.thread_id = None
            self.post_ticket(session, ticket)
            if row.method in ("sendMessage", "copyMessage"):
                params = {k: v for k, v in row.params.items() if k != "message_thread_id"}
                self.outbox.call(
                    session,
                    row.method,
                    row.chat_id,
                    row.purpose,
                    **{k: v for k, v in params.items() if k != "chat_id"},
                )
            return True
        if any(gone in reason for gone in _MESSAGE_GONE) and row.method == "editMessageText":
            log.warning("card of %s was deleted; posting it again", ticket.number)
            ticket.card_message_id = None
            if not self.forum:
                self.post_ticket(session, ticket)
            else:
                text, keyboard = self.card(ticket)
                self.outbox.send_message(
                    session,
                    self.chat_id,
                    text,
                    _purpose("card", ticket),
                    reply_markup=keyboard,
                    **self._in_ticket(ticket),
                )
            return True
        return False
