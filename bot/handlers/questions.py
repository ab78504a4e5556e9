"""A voter's question: the answer, 'did you mean', or the way to an operator."""

from __future__ import annotations

import html

from aiogram import Bot, F, Router
from aiogram.types import CallbackQuery, Message
from aiogram.utils.i18n import I18n
from aiogram.utils.i18n import gettext as _
from sqlalchemy.ext.asyncio import AsyncSession

from bot.faq import FaqEntry, KnowledgeBase
from bot.keyboards import (
    AskOperator,
    NoneOfThese,
    Rate,
    ShowAnswer,
    answer_keyboard,
    ask_operator_keyboard,
    suggestions_keyboard,
)
from bot.services.questions import mark_unanswered, own_question, record_question, save_feedback


def answer_text(entry: FaqEntry, lang: str) -> str:
    text = entry.answer.get(lang)
    if entry.source:
        label = _("Source")
        text += f'\n\n<a href="{html.escape(entry.source)}">{label}</a>'
    return text


async def send_answer(
    bot: Bot, chat_id: int, kb: KnowledgeBase, entry: FaqEntry, lang: str, question_id: int
) -> None:
    await bot.send_message(
        chat_id,
        answer_text(entry, lang),
        reply_markup=answer_keyboard(kb.related(entry), lang, question_id, entry.id),
    )


async def on_question(
    message: Message, bot: Bot, session: AsyncSession, kb: KnowledgeBase, i18n: I18n
) -> None:
    lang = i18n.current_locale
    result = kb.matcher.match(message.text)
    if result.kind == "greeting":
        await message.answer(_("Hello! What would you like to know about the elections?"))
        return
    if result.kind == "thanks":
        await message.answer(_("You are welcome! Ask me anything else about the elections."))
        return
    question = await record_question(session, message.from_user.id, message.text, result)
    if result.kind == "answer" and (entry := kb.get(result.entry_id)):
        await send_answer(bot, message.chat.id, kb, entry, lang, question.id)
    elif result.kind == "suggest":
        entries = [e for e in map(kb.get, result.suggestions) if e]
        await message.answer(
            _("I am not sure I understood. Did you mean:"),
            reply_markup=suggestions_keyboard(entries, lang, question.id),
        )
    else:
        await message.answer(
            _("Sorry, I do not have an answer to that. An operator can answer you personally."),
            reply_markup=ask_operator_keyboard(question.id),
        )


async def on_show_answer(
    callback: CallbackQuery,
    callback_data: ShowAnswer,
    bot: Bot,
    session: AsyncSession,
    kb: KnowledgeBase,
    i18n: I18n,
) -> None:
    entry = kb.get(callback_data.entry_id)
    question = await own_question(session, callback_data.question_id, callback.from_user.id)
    if entry is None or question is None:
        await callback.answer(_("This button is no longer valid."))
        return
    await callback.answer()
    await send_answer(bot, callback.from_user.id, kb, entry, i18n.current_locale, question.id)


async def on_rate(
    callback: CallbackQuery, callback_data: Rate, session: AsyncSession, kb: KnowledgeBase
) -> None:
    question = await own_question(session, callback_data.question_id, callback.from_user.id)
    if question is None or kb.get(callback_data.entry_id) is None:
        await callback.answer(_("This button is no longer valid."))
        return
    await save_feedback(session, question, callback_data.entry_id, callback_data.useful)
    if callback_data.useful:
        await callback.answer(_("Thank you for your feedback!"))
        return
    await callback.answer()
    await callback.message.answer(
        _("Sorry that did not help. An operator can answer you personally."),
        reply_markup=ask_operator_keyboard(question.id),
    )


async def on_none_of_these(
    callback: CallbackQuery, callback_data: NoneOfThese, session: AsyncSession
) -> None:
    question = await own_question(session, callback_data.question_id, callback.from_user.id)
    if question is None:
        await callback.answer(_("This button is no longer valid."))
        return
    await mark_unanswered(session, question)
    await callback.answer()
    await callback.message.answer(
        _("Sorry, I do not have an answer to that. An operator can answer you personally."),
        reply_markup=ask_operator_keyboard(question.id),
    )


async def on_ask_operator(
    callback: CallbackQuery, callback_data: AskOperator, session: AsyncSession
) -> None:
    question = await own_question(session, callback_data.question_id, callback.from_user.id)
    if question is None:
        await callback.answer(_("This button is no longer valid."))
        return
    await mark_unanswered(session, question)
    await callback.answer()
    await callback.message.answer(
        _("Your question is saved for our operators. Thank you for your patience.")
    )


def create_router() -> Router:
    router = Router(name="questions")
    router.message.filter(F.chat.type == "private")
    router.callback_query.filter(F.message.chat.type == "private")
    router.message.register(on_question, F.text & ~F.text.startswith("/"))
    router.callback_query.register(on_show_answer, ShowAnswer.filter())
    router.callback_query.register(on_rate, Rate.filter())
    router.callback_query.register(on_none_of_these, NoneOfThese.filter())
    router.callback_query.register(on_ask_operator, AskOperator.filter())
    return router
