"""The FAQ conversation's callback data and inline keyboards. Callback data is untrusted input:
handlers re-check it and answer a button that no longer holds with `answer_stale_button`."""

from __future__ import annotations

from aiogram.filters.callback_data import CallbackData
from aiogram.types import CallbackQuery, InlineKeyboardMarkup
from aiogram.utils.i18n import gettext as _
from aiogram.utils.keyboard import InlineKeyboardBuilder

from bot.content import LANGUAGE_NAMES
from bot.faq import FaqEntry


async def answer_stale_button(callback: CallbackQuery) -> None:
    """The one reply to a button whose data is forged or outdated (its question, entry or
    round is gone)."""
    await callback.answer(_("This button is no longer valid."))


class LanguageChoice(CallbackData, prefix="lang"):
    code: str


class ShowAnswer(CallbackData, prefix="faq"):
    entry_id: str
    question_id: int  # the question this answer belongs to, for feedback


class Rate(CallbackData, prefix="rate"):
    question_id: int
    entry_id: str
    useful: bool


class NoneOfThese(CallbackData, prefix="none"):
    question_id: int


class AskOperator(CallbackData, prefix="ask"):
    question_id: int


def language_keyboard() -> InlineKeyboardMarkup:
    builder = InlineKeyboardBuilder()
    for code, name in LANGUAGE_NAMES.items():
        builder.button(text=name, callback_data=LanguageChoice(code=code))
    builder.adjust(3)
    return builder.as_markup()


def answer_keyboard(related: list[FaqEntry], lang: str, question_id: int, entry_id: str):
    builder = InlineKeyboardBuilder()
    for entry in related:
        builder.button(
            text=entry.title(lang),
            callback_data=ShowAnswer(entry_id=entry.id, question_id=question_id),
        )
    builder.button(
        text="👍", callback_data=Rate(question_id=question_id, entry_id=entry_id, useful=True)
    )
    builder.button(
        text="👎", callback_data=Rate(question_id=question_id, entry_id=entry_id, useful=False)
    )
    builder.adjust(*([1] * len(related)), 2)
    return builder.as_markup()


def suggestions_keyboard(
    suggestions: list[FaqEntry], lang: str, question_id: int
) -> InlineKeyboardMarkup:
    builder = InlineKeyboardBuilder()
    for entry in suggestions:
        builder.button(
            text=entry.title(lang),
            callback_data=ShowAnswer(entry_id=entry.id, question_id=question_id),
        )
    builder.button(text=_("None of these"), callback_data=NoneOfThese(question_id=question_id))
    builder.adjust(1)
    return builder.as_markup()


def ask_operator_keyboard(question_id: int) -> InlineKeyboardMarkup:
    builder = InlineKeyboardBuilder()
    builder.button(text=_("✉️ Ask an operator"), callback_data=AskOperator(question_id=question_id))
    return builder.as_markup()
