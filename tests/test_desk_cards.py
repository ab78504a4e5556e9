"""A ticket's card, topic name and the voter's button, rendered without Telegram."""

from __future__ import annotations

import html

import pytest
from aiogram.utils.i18n import I18n

from bot.config import PROJECT_ROOT
from bot.db.models import Ticket
from bot.desk.cards import CARD_QUESTION_LIMIT, Cards, CloseMyTicket, DeskAction


@pytest.fixture(scope="module")
def cards() -> Cards:
    i18n = I18n(path=PROJECT_ROOT / "locales", default_locale="en", domain="messages")
    return Cards(i18n, "en")


def a_ticket(**fields) -> Ticket:
    values = {
        "id": 12,
        "user_id": 5,
        "status": "open",
        "lang": "ru",
        "question": "Где мой участок?",
        "guesses": [],
        "first_name": "Aigerim",
        "username": None,
        "operator_name": None,
    }
    return Ticket(**{**values, **fields})


def actions(markup) -> list[str]:
    return [
        DeskAction.unpack(button.callback_data).action
        for row in markup.inline_keyboard
        for button in row
    ]


def test_an_open_card_names_the_ticket_and_offers_take_close_ban(cards):
    text, markup = cards.card(a_ticket())
    assert text.splitlines() == [
        "🎫 <b>#T12</b> · open",
        "👤 Aigerim · ru",
        "❓ Где мой участок?",
    ]
    assert actions(markup) == ["take", "close", "ban"]
    assert all(
        DeskAction.unpack(b.callback_data).ticket_id == 12
        for row in markup.inline_keyboard
        for b in row
    )


def test_a_taken_card_shows_its_operator_and_the_guesses(cards):
    ticket = a_ticket(
        status="taken", operator_name="Dana <b>", username="ai_g", guesses=["polling_station"]
    )
    text, markup = cards.card(ticket)
    assert "👤 Aigerim (@ai_g) · ru" in text
    assert "🤖 Bot's guesses: polling_station" in text
    assert "🙋 Operator: Dana &lt;b&gt;" in text
    assert actions(markup) == ["close", "ban"]


def test_a_closed_card_only_reopens(cards):
    _, markup = cards.card(a_ticket(status="closed"))
    assert actions(markup) == ["reopen"]


def test_the_question_is_escaped_and_cut(cards):
    text, _ = cards.card(a_ticket(question="<" * (CARD_QUESTION_LIMIT + 10)))
    assert text.splitlines()[2] == "❓ " + "&lt;" * (CARD_QUESTION_LIMIT - 1) + "…"
    whole = "<" * CARD_QUESTION_LIMIT
    assert cards.card(a_ticket(question=whole))[0].splitlines()[2] == "❓ " + html.escape(whole)


def test_the_question_is_cut_as_telegram_counts_length(cards):
    """Telegram counts UTF-16 code units: an emoji is two, a family emoji eight."""
    family = "👨\u200d👩\u200d👧"  # 8 units
    line = cards.card(a_ticket(question=family * 1000))[0].splitlines()[2]
    assert len(line[2:].encode("utf-16-le")) // 2 <= CARD_QUESTION_LIMIT
    assert line.endswith("…") and "\ud83d" not in line  # no half of a surrogate pair


def test_a_topic_name_fits_telegram(cards):
    assert cards.topic_name(a_ticket()) == "#T12 · open · Aigerim"
    assert len(cards.topic_name(a_ticket(first_name="A" * 200))) == 128


def test_the_voter_button_speaks_the_voter_language(cards):
    (button,) = cards.user_keyboard(a_ticket(), "ru").inline_keyboard[0]
    assert button.text == "Закрыть мой вопрос"
    assert CloseMyTicket.unpack(button.callback_data).ticket_id == 12
