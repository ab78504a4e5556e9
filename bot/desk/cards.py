"""A ticket as operators and voters see it: card texts, topic names, buttons and their callback
data. Callback data is untrusted input: handlers re-check it."""

from __future__ import annotations

import html

from aiogram.filters.callback_data import CallbackData
from aiogram.types import InlineKeyboardMarkup
from aiogram.utils.i18n import I18n
from aiogram.utils.keyboard import InlineKeyboardBuilder

from bot.db.models import Ticket

CARD_QUESTION_LIMIT = 3000  # UTF-16 code units, Telegram's measure; the card stays under 4096


def quote(text: str, limit: int = CARD_QUESTION_LIMIT) -> str:
    """A voter's words for the group: escaped, and cut to `limit` UTF-16 code units (an emoji
    may be two) without splitting a character; "…" marks a cut."""
    encoded = text.encode("utf-16-le")
    if len(encoded) > limit * 2:
        text = encoded[: (limit - 1) * 2].decode("utf-16-le", errors="ignore") + "…"
    return html.escape(text)


class DeskAction(CallbackData, prefix="desk"):
    """A button on a ticket card in the operators' group."""

    action: str  # take / close / ban / reopen
    ticket_id: int


class CloseMyTicket(CallbackData, prefix="mytk"):
    ticket_id: int


class Cards:
    """What a ticket looks like: its card in the operators' group (text and buttons), its forum
    topic's name, and the voter's button. Pure rendering: nothing is sent from here."""

    def __init__(self, i18n: I18n, lang: str) -> None:
        self.i18n = i18n
        self.lang = lang  # the operators' language

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
        question = quote(ticket.question)
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

    def user_keyboard(self, ticket: Ticket, lang: str) -> InlineKeyboardMarkup:
        builder = InlineKeyboardBuilder()
        builder.button(
            text=self.i18n.gettext("Close my question", locale=lang),
            callback_data=CloseMyTicket(ticket_id=ticket.id),
        )
        return builder.as_markup()
