"""A voter's question: the answer, 'did you mean', or the way to an operator."""

from __future__ import annotations

import html

from aiogram import F, Router
from aiogram.types import CallbackQuery, Message
from aiogram.utils.i18n import I18n, get_i18n
from aiogram.utils.i18n import gettext as _
from sqlalchemy.ext.asyncio import AsyncSession

from bot.desk import Desk
from bot.faq import FaqEntry, KnowledgeBase, MatchResult
from bot.filters.magic import Magic
from bot.handlers.keyboards import (
    AskOperator,
    NoneOfThese,
    Rate,
    ShowAnswer,
    answer_keyboard,
    answer_stale_button,
    ask_operator_keyboard,
    suggestions_keyboard,
)
from bot.outbox import Outbox
from bot.services.questions import mark_unanswered, own_question, record_question, save_feedback


def answer_text(entry: FaqEntry, lang: str) -> str:
    text = entry.answer.get(lang)
    if entry.source:
        label = _("Source", locale=lang)
        text += f'\n\n<a href="{html.escape(entry.source)}">{label}</a>'
    return text


def send_answer(
    session: AsyncSession,
    outbox: Outbox,
    chat_id: int,
    knowledge: KnowledgeBase,
    entry: FaqEntry,
    lang: str,
    question_id: int,
) -> None:
    outbox.send_message(
        session,
        chat_id,
        answer_text(entry, lang),
        reply_markup=answer_keyboard(knowledge.related(entry), lang, question_id, entry.id),
    )


def cannot_help(
    session: AsyncSession,
    outbox: Outbox,
    desk: Desk,
    chat_id: int,
    apology: str,
    question_id: int,
    operator_line: str | None = None,
) -> None:
    """The bot could not help: offer an operator, or, with no operators' group configured for
    the user's language (nobody could ever answer a ticket), point to the election helpline
    instead."""
    lang = get_i18n().current_locale
    if desk.group_for(lang) is not None:
        line = operator_line or _("An operator can answer you personally.")
        keyboard = ask_operator_keyboard(question_id)
        outbox.send_message(session, chat_id, f"{apology} {line}", reply_markup=keyboard)
        return
    elsewhere = _("I cannot pass questions to operators here. The election helpline can help:")
    text = desk.with_helpline(apology, elsewhere, lang)
    outbox.send_message(session, chat_id, text)


async def on_question(
    message: Message,
    match: MatchResult,
    session: AsyncSession,
    outbox: Outbox,
    knowledge: KnowledgeBase,
    desk: Desk,
    i18n: I18n,
) -> None:
    lang, chat_id, result = i18n.current_locale, message.chat.id, match
    if result.kind == "greeting":
        outbox.send_message(
            session, chat_id, _("Hello! What would you like to know about the elections?")
        )
        return
    if result.kind == "no_words":
        outbox.send_message(
            session,
            chat_id,
            _(
                "Please write your question in words, for example: "
                "<i>Where is my polling station?</i>"
            ),
        )
        return
    if result.kind == "thanks":
        outbox.send_message(
            session, chat_id, _("You are welcome! Ask me anything else about the elections.")
        )
        return
    question = await record_question(session, message.from_user.id, message.text, result)
    if result.kind == "answer" and (entry := knowledge.get(result.entry_id)):
        send_answer(session, outbox, chat_id, knowledge, entry, lang, question.id)
    elif result.kind == "suggest":
        entries = [e for e in map(knowledge.get, result.suggestions) if e]
        outbox.send_message(
            session,
            chat_id,
            _("I am not sure I understood. Did you mean:"),
            reply_markup=suggestions_keyboard(entries, lang, question.id),
        )
    else:
        if result.kind == "out_of_scope":
            apology = _(
                "I answer questions about the elections of Mazhilis and maslikhat deputies of "
                "19 March 2023, and this question is outside them."
            )
            line = _("An operator can still try to help.")
            cannot_help(session, outbox, desk, chat_id, apology, question.id, line)
        else:
            apology = _("Sorry, I do not have an answer to that.")
            cannot_help(session, outbox, desk, chat_id, apology, question.id)


async def on_show_answer(
    callback: CallbackQuery,
    callback_data: ShowAnswer,
    session: AsyncSession,
    outbox: Outbox,
    knowledge: KnowledgeBase,
    i18n: I18n,
) -> None:
    entry = knowledge.get(callback_data.entry_id)
    question = await own_question(session, callback_data.question_id, callback.from_user.id)
    if entry is None or question is None:
        await answer_stale_button(callback)
        return
    send_answer(
        session, outbox, callback.from_user.id, knowledge, entry, i18n.current_locale, question.id
    )
    await callback.answer()


async def on_rate(
    callback: CallbackQuery,
    callback_data: Rate,
    session: AsyncSession,
    outbox: Outbox,
    knowledge: KnowledgeBase,
    desk: Desk,
) -> None:
    question = await own_question(session, callback_data.question_id, callback.from_user.id)
    if question is None or knowledge.get(callback_data.entry_id) is None:
        await answer_stale_button(callback)
        return
    await save_feedback(session, question, callback_data.entry_id, callback_data.useful)
    if callback_data.useful:
        await callback.answer(_("Thank you for your feedback!"))
        return
    apology = _("Sorry that did not help.")
    cannot_help(session, outbox, desk, callback.from_user.id, apology, question.id)
    await callback.answer()


async def on_none_of_these(
    callback: CallbackQuery,
    callback_data: NoneOfThese,
    session: AsyncSession,
    outbox: Outbox,
    desk: Desk,
) -> None:
    question = await own_question(session, callback_data.question_id, callback.from_user.id)
    if question is None:
        await answer_stale_button(callback)
        return
    await mark_unanswered(session, question)
    apology = _("Sorry, I do not have an answer to that.")
    cannot_help(session, outbox, desk, callback.from_user.id, apology, question.id)
    await callback.answer()


async def on_ask_operator(
    callback: CallbackQuery,
    callback_data: AskOperator,
    session: AsyncSession,
    desk: Desk,
    i18n: I18n,
) -> None:
    question = await own_question(session, callback_data.question_id, callback.from_user.id)
    if question is None:
        await answer_stale_button(callback)
        return
    await mark_unanswered(session, question)
    guesses = [question.faq_id] if question.faq_id else list(question.suggestions)
    sender = callback.from_user
    await desk.ask(
        session,
        sender.id,
        sender.first_name,
        sender.username,
        question.text,
        i18n.current_locale,
        guesses,
    )
    await callback.answer()


def create_router() -> Router:
    router = Router(name="questions")
    router.message.filter(Magic(F.chat.type == "private"))
    router.callback_query.filter(Magic(F.message.chat.type == "private"))
    router.message.register(on_question, Magic(F.text & ~F.text.startswith("/")))
    router.callback_query.register(on_show_answer, ShowAnswer.filter())
    router.callback_query.register(on_rate, Rate.filter())
    router.callback_query.register(on_none_of_these, NoneOfThese.filter())
    router.callback_query.register(on_ask_operator, AskOperator.filter())
    return router
