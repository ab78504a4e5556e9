"""The FAQ conversation's callback data and inline keyboards. Callback data is untrusted input:
handlers re-check it and answer a button that no longer holds with `answer_stale_button`."""

from __future__ import annotations

from aiogram.filters.callback_data import CallbackData
from aiogram.types import CallbackQuery, InlineKeyboardButton, InlineKeyboardMarkup
from aiogram.utils.i18n import gettext as _

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


Button = tuple[str, CallbackData]


def inline_keyboard(*rows: list[Button]) -> InlineKeyboardMarkup:
    """Rows of callback buttons. Not aiogram's InlineKeyboardBuilder: it deep-copies every
    button as it goes, which measured a fifth of an answered question's time in its
    transaction (while it holds the one writer connection)."""
    return InlineKeyboardMarkup(
        inline_keyboard=[
            [InlineKeyboardButton(text=text, callback_data=data.pack()) for text, data in row]
            for row in rows
        ]
    )


def language_keyboard() -> InlineKeyboardMarkup:
    return inline_keyboard(
        [(name, LanguageChoice(code=code)) for code, name in LANGUAGE_NAMES.items()]
    )


def _answer_button(entry: FaqEntry, lang: str, question_id: int) -> Button:
    return entry.title(lang), ShowAnswer(entry_id=entry.id, question_id=question_id)


def answer_keyboard(
    related: list[FaqEntry], lang: str, question_id: int, entry_id: str
) -> InlineKeyboardMarkup:
    """The related entries, one a row, then 👍 👎."""
    return inline_keyboard(
        *([_answer_button(entry, lang, question_id)] for entry in related),
        [
            ("👍", Rate(question_id=question_id, entry_id=entry_id, useful=True)),
            ("👎", Rate(question_id=question_id, entry_id=entry_id, useful=False)),
        ],
    )


def suggestions_keyboard(
    suggestions: list[FaqEntry], lang: str, question_id: int
) -> InlineKeyboardMarkup:
    return inline_keyboard(
        *([_answer_button(entry, lang, question_id)] for entry in suggestions),
        [(_("None of these"), NoneOfThese(question_id=question_id))],
    )


def ask_operator_keyboard(question_id: int) -> InlineKeyboardMarkup:
    return inline_keyboard([(_("✉️ Ask an operator"), AskOperator(question_id=question_id))])
