"""An open ticket never silences the FAQ (issue 16, defect 1): a question the FAQ answers is
answered while the ticket is open, and the operators still see it in the ticket; anything else
joins the ticket, saying so in the voter's current language; /close closes it; /help says how."""

from __future__ import annotations

from bot.offline.scene import UNKNOWN
from tests.conftest import OPERATORS
from tests.desk_helpers import ask_operator, card_of


def _copies_to_group(h, after: int) -> int:
    return sum(
        1 for m, p in h.server.calls[after:] if m == "copyMessage" and p["chat_id"] == OPERATORS
    )


async def test_a_question_the_faq_answers_is_answered_while_a_ticket_is_open(harness, knowledge):
    voter = harness.user(801, language_code="ru")
    await ask_operator(harness, voter, UNKNOWN["ru"])
    await card_of(harness, 1)
    mark = len(harness.server.calls)
    reply = await harness.say(voter, "Когда пройдут выборы?")
    assert knowledge.get("election_date").answer.ru in reply["text"]
    assert "Добавлено" not in reply["text"]
    # the operators still see it, in the ticket
    await harness.server.wait_for(
        lambda c: c[0] == "copyMessage" and c[1]["chat_id"] == OPERATORS, after=mark
    )


async def test_anything_else_joins_the_ticket_in_the_voters_current_language(harness):
    voter = harness.user(802, language_code="ru")
    await ask_operator(harness, voter, UNKNOWN["ru"])
    await card_of(harness, 1)
    pressed = await harness.press(voter, "lang:en")  # the voter switches to English
    assert (await harness.next_message(voter["id"], after=pressed))["text"].startswith("Language")
    mark = len(harness.server.calls)
    reply = await harness.say(voter, "My cousin also wants to know about the weather")
    assert reply["text"] == "Added to your question #T1."
    await harness.server.wait_for(
        lambda c: c[0] == "copyMessage" and c[1]["chat_id"] == OPERATORS, after=mark
    )
    assert _copies_to_group(harness, mark) == 1


async def test_close_command_and_help(harness):
    voter = harness.user(803, language_code="ru")
    help_reply = await harness.say(voter, "/help")
    assert "/close" in help_reply["text"]
    await ask_operator(harness, voter, UNKNOWN["ru"])
    await card_of(harness, 1)
    closed = await harness.say(voter, "/close")
    assert closed["text"] == "Ваш вопрос #T1 закрыт. Спрашивайте что угодно в любое время."
    again = await harness.say(voter, "/close")
    assert again["text"] == "У вас нет открытого вопроса, который можно закрыть."
    # with the ticket closed, an unknown question offers an operator again instead of joining
    reply = await harness.say(voter, UNKNOWN["ru"])
    assert "#T1" not in reply["text"]
