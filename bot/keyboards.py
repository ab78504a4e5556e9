"""Callback data and inline keyboards. Callback data is untrusted input: handlers re-check it."""

from __future__ import annotations

from aiogram.filters.callback_data import CallbackData
from aiogram.types import InlineKeyboardMarkup
from aiogram.utils.i18n import gettext as _
from aiogram.utils.keyboard import InlineKeyboardBuilder

from bot.faq import FaqEntry

LANGUAGE_NAMES = {"kk": "🇰🇿 Қазақша", "ru": "🇷🇺 Русский", "en": "🇬🇧 English"}


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


class DeskAction(CallbackData, prefix="desk"):
    """A button on a ticket card in the operators' group."""

    action: str  # take / close / ban / reopen
    ticket_id: int


class CloseMyTicket(CallbackData, prefix="mytk"):
    ticket_id: int


class QuizTopicChoice(CallbackData, prefix="qz"):
    topic: str  # a topic id, or "all"


class QuizRetry(CallbackData, prefix="qzr"):
    round_id: int  # the finished round whose mistakes to retry


class QuizNew(CallbackData, prefix="qzn"):
    """Leave the current round (if any) and choose a topic again."""


def quiz_topics_keyboard(topics: list[tuple[str, str]], all_topics: str) -> InlineKeyboardMarkup:
    """`topics`: (id, title in the user's language)."""
    builder = InlineKeyboardBuilder()
    builder.button(text=_("🎲 All topics"), callback_data=QuizTopicChoice(topic=all_topics))
    for topic_id, title in topics:
        builder.button(text=title, callback_data=QuizTopicChoice(topic=topic_id))
    builder.adjust(1)
    return builder.as_markup()


def quiz_results_keyboard(round_id: int, mistakes: int) -> InlineKeyboardMarkup:
    builder = InlineKeyboardBuilder()
    if mistakes:
        builder.button(
            text=_("🔁 Retry my mistakes ({count})").format(count=mistakes),
            callback_data=QuizRetry(round_id=round_id),
        )
    builder.button(text=_("🆕 New quiz"), callback_data=QuizNew())
    builder.adjust(1)
    return builder.as_markup()


def quiz_new_keyboard() -> InlineKeyboardMarkup:
    builder = InlineKeyboardBuilder()
    builder.button(text=_("🆕 New quiz"), callback_data=QuizNew())
    return builder.as_markup()
