"""/start, /help and /language."""

from __future__ import annotations

from aiogram import F, Router
from aiogram.filters import Command, CommandStart
from aiogram.types import CallbackQuery, Message
from aiogram.utils.i18n import gettext as _
from sqlalchemy.ext.asyncio import AsyncSession

from bot.content import LANGS
from bot.db.models import User
from bot.filters.magic import Magic
from bot.handlers.keyboards import (
    LANGUAGE_NAMES,
    LanguageChoice,
    answer_stale_button,
    language_keyboard,
)
from bot.outbox import Outbox
from bot.services.users import set_language


def help_text(locale: str | None = None) -> str:
    return (
        _(
            "Ask me about the elections of Mazhilis and maslikhat deputies (19 March 2023) "
            "in Kazakh, Russian or English, in your own words. For example: "
            "<i>Where is my polling station?</i>\n\n"
            "If I cannot answer, I will pass your question to an operator.\n\n"
            "/quiz: a quiz on the election workshop topics\n/myresults: my quiz results\n"
            "/language: change the language\n/help: this message",
            locale=locale,
        )
        + "\n"
        + _("/close: close your question to the operators", locale=locale)
    )


async def start(message: Message, user: User, session: AsyncSession, outbox: Outbox) -> None:
    greeting = _("Hello! I am saylau-bot, an assistant for voters and election staff.")
    if user.language is None:
        choose = _("Please choose your language:")
        outbox.send_message(
            session, message.chat.id, f"{greeting}\n\n{choose}", reply_markup=language_keyboard()
        )
    else:
        outbox.send_message(session, message.chat.id, f"{greeting}\n\n{help_text()}")


async def show_help(message: Message, session: AsyncSession, outbox: Outbox) -> None:
    outbox.send_message(session, message.chat.id, help_text())


async def choose_language(message: Message, session: AsyncSession, outbox: Outbox) -> None:
    outbox.send_message(
        session,
        message.chat.id,
        _("Please choose your language:"),
        reply_markup=language_keyboard(),
    )


async def language_chosen(
    callback: CallbackQuery, callback_data: LanguageChoice, session: AsyncSession, outbox: Outbox
) -> None:
    if callback_data.code not in LANGS:
        await answer_stale_button(callback)
        return
    code = callback_data.code
    await set_language(session, callback.from_user.id, code)
    text = _("Language: {name}.", locale=code).format(name=LANGUAGE_NAMES[code])
    outbox.call(
        session,
        "editMessageText",
        callback.from_user.id,
        message_id=callback.message.message_id,
        text=f"{text}\n\n{help_text(code)}",
    )
    await callback.answer()


def create_router() -> Router:
    router = Router(name="common")
    router.message.filter(Magic(F.chat.type == "private"))
    router.callback_query.filter(Magic(F.message.chat.type == "private"))
    router.message.register(start, CommandStart())
    router.message.register(show_help, Command("help"))
    router.message.register(choose_language, Command("language"))
    router.callback_query.register(language_chosen, LanguageChoice.filter())
    return router
