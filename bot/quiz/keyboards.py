"""The quiz's callback data and inline keyboards. Callback data is untrusted input: handlers
re-check it."""

from __future__ import annotations

from aiogram.filters.callback_data import CallbackData
from aiogram.types import InlineKeyboardMarkup
from aiogram.utils.i18n import gettext as _
from aiogram.utils.keyboard import InlineKeyboardBuilder


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
