"""End to end: voters' unanswered questions become tickets in the operators' group, and the
operators' answers come back, through the fake Bot API server over HTTP."""

from __future__ import annotations

import asyncio
import logging
from datetime import timedelta

import pytest
from sqlalchemy import select

from bot.db.engine import session_factory
from bot.db.models import Ban, FaqSuggestion, OutboxMessage, Ticket, User, utcnow
from bot.desk.cards import DeskAction
from bot.offline.scene import UNKNOWN
from tests.conftest import OPERATORS, buttons, eventually, running_bot
from tests.desk_helpers import GROUP, PASSED, ask_operator, card_of, operator_says


async def press_in_group(h, operator: dict, data: str, card: dict) -> dict:
    # Telegram shows a card to the operators as it answers the bot's sendMessage, and a human
    # needs seconds to press it; the test presses at once, so first let the bot take in the
    # answer (the card's message id), as it would have long before a human press.
    await eventually(
        lambda: db(h, select(Ticket).where(Ticket.card_message_id == card["message_id"])),
        f"the bot records card {card['message_id']}",
    )
    mark = len(h.server.calls)
    h.server.push(h.updates.callback(operator, data, card))
    _, answered = await h.server.wait_for(lambda c: c[0] == "answerCallbackQuery", after=mark)
    return answered


async def db(h, statement):
    async with session_factory(h.app.engine)() as session:
        return (await session.scalars(statement)).all()


@pytest.fixture
def operator(harness):
    return harness.user(7001, first_name="Aliya", language_code="ru")


@pytest.mark.parametrize("lang", ["kk", "ru", "en"])
async def test_a_ticket_from_a_question_in_each_language(harness, lang):
    user = harness.user(501, first_name="Dana", username="dana_kz", language_code=lang)
    passed = await ask_operator(harness, user, UNKNOWN[lang])
    assert passed["text"].startswith(PASSED[lang]) and "#T1" in passed["text"]
    card = await card_of(harness, 1)
    assert UNKNOWN[lang] in card["text"] and "Dana (@dana_kz)" in card["text"]
    labels = [t for t, _ in buttons(card)]
    assert len(labels) == 3  # Take, Close, Ban
    (ticket,) = await db(harness, select(Ticket))
    assert (ticket.lang, ticket.status, ticket.question) == (lang, "open", UNKNOWN[lang])


async def test_operator_reply_reaches_the_voter_with_a_header(harness, operator):
    user = harness.user(502, language_code="ru")
    await ask_operator(harness, user, UNKNOWN["ru"])
    card = await card_of(harness, 1)
    mark = await operator_says(
        harness, operator, "Погоду бот не знает, смотрите kazhydromet.kz", reply_to_message=card
    )
    header = await harness.next_message(502, after=mark)
    assert header["text"] == "💬 Оператор отвечает на ваш вопрос #T1:"
    _, copied = await harness.server.wait_for(
        lambda c: c[0] == "copyMessage" and c[1]["chat_id"] == 502, after=mark
    )
    assert copied["from_chat_id"] == OPERATORS
    (ticket,) = await db(harness, select(Ticket))
    assert ticket.status == "answered" and ticket.first_answer_at is not None
    assert ticket.operator_name == "Aliya"
    figures = harness.app.metrics.registry  # what /metrics shows
    assert figures.get_sample_value("saylau_tickets_opened_total") == 1
    assert figures.get_sample_value("saylau_tickets_answered_total") == 1


async def test_operators_answer_reaches_the_voter_in_the_voters_language_now(harness, operator):
    user = harness.user(504, language_code="ru")
    await ask_operator(harness, user, UNKNOWN["ru"])
    card = await card_of(harness, 1)
    pressed = await harness.press(user, "lang:en")  # the voter switches after asking
    await harness.next_message(504, after=pressed)
    mark = await operator_says(harness, operator, "Смотрите kazhydromet.kz", reply_to_message=card)
    header = await harness.next_message(504, after=mark)
    assert header["text"] == "💬 An operator answers your question #T1:"


async def test_follow_ups_go_into_the_same_ticket(harness):
    user = harness.user(503, language_code="en")
    await ask_operator(harness, user, UNKNOWN["en"])
    card = await card_of(harness, 1)
    mark = len(harness.server.calls)
    ack = await harness.say(user, "Also, is it going to rain?")
    assert ack["text"] == "Added to your question #T1."
    _, copied = await harness.server.wait_for(
        lambda c: c[0] == "copyMessage" and c[1]["chat_id"] == OPERATORS, after=mark
    )
    assert copied["reply_parameters"]["message_id"] == card["message_id"]
    assert len(await db(harness, select(Ticket))) == 1


async def test_a_follow_up_written_before_the_card_is_out_still_replies_to_it(harness):
    """Telegram holds the card back (429); the voter's follow-up, queued meanwhile, goes out
    after the card and as a reply to it."""
    harness.server.fail("sendMessage", 429, "Too Many Requests", retry_after=1, chat_id=OPERATORS)
    user = harness.user(514, language_code="en")
    await ask_operator(harness, user, UNKNOWN["en"])
    mark = len(harness.server.calls)
    ack = await harness.say(user, "Also, is it going to rain?")
    assert ack["text"] == "Added to your question #T1."
    assert harness.server.failed_calls[0][1]["chat_id"] == str(OPERATORS)
    _, copied = await harness.server.wait_for(
        lambda c: c[0] == "copyMessage" and c[1]["chat_id"] == OPERATORS, after=mark
    )
    card = await card_of(harness, 1)
    assert copied["reply_parameters"]["message_id"] == card["message_id"]


async def test_a_card_that_waited_shows_what_happened_meanwhile(harness):
    """The voter closes the question while Telegram holds the card back: once the card is
    out, it is edited to show the ticket closed."""
    harness.server.fail("sendMessage", 429, "Too Many Requests", retry_after=1, chat_id=OPERATORS)
    user = harness.user(515, language_code="en")
    passed = await ask_operator(harness, user, UNKNOWN["en"])
    (close,) = [d for _, d in buttons(passed)]
    await harness.press(user, close)
    _, edit = await harness.server.wait_for(
        lambda c: c[0] == "editMessageText" and c[1]["chat_id"] == OPERATORS
    )
    card = await card_of(harness, 1)
    assert edit["message_id"] == card["message_id"]
    assert edit["text"] != card["text"] and "#T1" in edit["text"]
    (ticket,) = await db(harness, select(Ticket))
    assert ticket.status == "closed" and harness.app.desk.card(ticket)[0] == edit["text"]


async def test_a_card_pressed_before_the_bot_has_its_id_asks_to_press_again(harness, operator):
    """Operators see the card as Telegram takes it; the bot learns its id when Telegram's answer
    arrives (held back here for a second). A press in between is not refused as forged."""
    harness.server.hold("sendMessage", 1.0, chat_id=OPERATORS)
    user = harness.user(516, language_code="ru")
    await ask_operator(harness, user, UNKNOWN["ru"])
    card = await card_of(harness, 1)
    take = DeskAction(action="take", ticket_id=1).pack()
    mark = len(harness.server.calls)
    harness.server.push(harness.updates.callback(operator, take, card))
    _, early = await harness.server.wait_for(lambda c: c[0] == "answerCallbackQuery", after=mark)
    assert early["show_alert"] is True and "ещё в пути" in early["text"]
    (ticket,) = await db(harness, select(Ticket))
    assert ticket.status == "open"
    answered = await press_in_group(harness, operator, take, card)  # once the bot has the id
    assert "text" not in answered
    (ticket,) = await eventually(
        lambda: db(harness, select(Ticket).where(Ticket.status == "taken")), "ticket taken"
    )
    assert ticket.operator_name == "Aliya"


async def test_take_close_reopen_and_a_second_operator(harness, operator):
    user = harness.user(504, language_code="ru")
    await ask_operator(harness, user, UNKNOWN["ru"])
    card = await card_of(harness, 1)
    take = DeskAction(action="take", ticket_id=1).pack()
    mark = len(harness.server.calls)
    await press_in_group(harness, operator, take, card)
    told = await harness.next_message(504, after=mark)
    assert told["text"] == "Оператор взял ваш вопрос #T1."
    _, edited = await harness.server.wait_for(
        lambda c: c[0] == "editMessageText" and c[1]["chat_id"] == OPERATORS, after=mark
    )
    assert "Aliya" in edited["text"]

    other = harness.user(7002, first_name="Bolat")
    refused = await press_in_group(harness, other, take, card)
    assert refused["show_alert"] is True and "Aliya" in refused["text"]

    mark = len(harness.server.calls)
    await press_in_group(harness, operator, DeskAction(action="close", ticket_id=1).pack(), card)
    closed = await harness.next_message(504, after=mark)
    assert "закрыл" in closed["text"] and "#T1" in closed["text"]
    (ticket,) = await db(harness, select(Ticket))
    assert ticket.status == "closed"

    await press_in_group(harness, operator, DeskAction(action="reopen", ticket_id=1).pack(), card)
    (ticket,) = await eventually(
        lambda: db(harness, select(Ticket).where(Ticket.status != "closed")), "ticket reopened"
    )
    assert ticket.status == "taken" and ticket.closed_at is None


async def test_user_closes_their_ticket_and_next_question_opens_a_new_one(harness):
    user = harness.user(505, language_code="en")
    passed = await ask_operator(harness, user, UNKNOWN["en"])
    ((_, close_data),) = buttons(passed)
    mark = await harness.press(user, close_data)
    closed = await harness.next_message(505, after=mark)
    assert closed["text"].startswith("Your question #T1 is closed")
    passed = await ask_operator(harness, user, "How do I get a tourist visa?")
    assert "#T2" in passed["text"]


async def test_forged_and_misplaced_buttons_are_refused(harness, operator):
    user = harness.user(506, language_code="ru")
    await ask_operator(harness, user, UNKNOWN["ru"])
    card = await card_of(harness, 1)
    # The voter forges an operator's button in their private chat.
    mark = await harness.press(user, DeskAction(action="close", ticket_id=1).pack())
    _, answered = await harness.server.wait_for(lambda c: c[0] == "answerCallbackQuery", after=mark)
    assert answered["text"] == "Эта кнопка больше не действует."
    # An operator's button that names another ticket than the card it sits on.
    other = harness.user(507, language_code="ru")
    await ask_operator(harness, other, "Как оформить ипотеку?")
    await card_of(harness, 2)
    answered = await press_in_group(
        harness, operator, DeskAction(action="close", ticket_id=2).pack(), card
    )
    assert answered["show_alert"] is True
    statuses = sorted(t.status for t in await db(harness, select(Ticket)))
    assert statuses == ["open", "open"]


async def test_banned_user_is_told_politely_and_creates_nothing(harness, operator):
    user = harness.user(508, language_code="ru")
    await ask_operator(harness, user, UNKNOWN["ru"])
    card = await card_of(harness, 1)
    mark = await operator_says(harness, operator, "/ban", reply_to_message=card)
    await harness.server.wait_for(
        lambda c: (
            c[0] == "sendMessage"
            and "заблокирован" in c[1]["text"]
            and c[1]["chat_id"] == OPERATORS
        ),
        after=mark,
    )
    assert [b.user_id for b in await db(harness, select(Ban))] == [508]
    told = await ask_operator(harness, user, "Как оформить ипотеку?")
    assert told["text"] == "К сожалению, ваши сообщения больше не могут быть переданы операторам."
    assert len(await db(harness, select(Ticket))) == 1

    mark = await operator_says(harness, operator, "/unban 508")
    await harness.server.wait_for(
        lambda c: c[0] == "sendMessage" and c[1]["chat_id"] == OPERATORS, after=mark
    )
    assert await db(harness, select(Ban)) == []


async def test_user_who_blocked_the_bot_is_marked_and_operator_told(harness, operator):
    user = harness.user(509, language_code="ru")
    await ask_operator(harness, user, UNKNOWN["ru"])
    card = await card_of(harness, 1)
    harness.server.fail(
        "sendMessage", 403, "Forbidden: bot was blocked by the user", count=-1, chat_id=509
    )
    mark = await operator_says(harness, operator, "Ответ", reply_to_message=card)
    _, warning = await harness.server.wait_for(
        lambda c: c[0] == "sendMessage" and c[1]["chat_id"] == OPERATORS and "⚠️" in c[1]["text"],
        after=mark,
    )
    assert "#T1" in warning["text"]
    (blocked,) = await db(harness, select(User.blocked_bot).where(User.id == 509))
    assert blocked is True


async def test_operators_chat_missing_keeps_the_question_and_tells_the_voter(
    tmp_path, database_url, caplog
):
    caplog.set_level(logging.ERROR)
    async with running_bot(tmp_path, database_url=database_url) as h:
        h.server.fail(
            "sendMessage",
            403,
            "Forbidden: bot was kicked from the supergroup chat",
            count=-1,
            chat_id=OPERATORS,
        )
        user = h.user(510, language_code="en")
        first = await ask_operator(h, user, UNKNOWN["en"])
        assert "#T1" in first["text"]
        for _ in range(100):  # until the card's delivery to the group has failed
            if any(p.get("chat_id") == str(OPERATORS) for _, p in h.server.failed_calls):
                break
            await asyncio.sleep(0.05)
        second = await ask_operator(
            h, h.user(511, language_code="en"), "Will it rain in Shymkent on Sunday?"
        )
        assert second["text"].startswith("Operators are not available right now")
        rows = await db(h, select(OutboxMessage).where(OutboxMessage.chat_id == OPERATORS))
        assert rows and all(r.status in ("pending", "sending") for r in rows)  # kept, not dropped
        assert len(await db(h, select(Ticket))) == 2
    assert any(
        "operators chat" in r.getMessage() and "unreachable" in r.getMessage()
        for r in caplog.records
    )


async def test_forum_mode_gives_each_ticket_a_topic(tmp_path, database_url):
    async with running_bot(tmp_path, database_url=database_url, forum=True) as h:
        operator = h.user(7001, first_name="Aliya")
        user = h.user(512, language_code="ru")
        await ask_operator(h, user, UNKNOWN["ru"])
        _, topic = await h.server.wait_for(lambda c: c[0] == "createForumTopic")
        assert topic["name"].startswith("#T1 · ")
        _, card = await h.server.wait_for(
            lambda c: c[0] == "sendMessage" and c[1]["chat_id"] == OPERATORS
        )
        thread = card["message_thread_id"]
        mark = len(h.server.calls)
        await h.say(user, "Ещё вопрос")
        _, copied = await h.server.wait_for(
            lambda c: c[0] == "copyMessage" and c[1]["chat_id"] == OPERATORS, after=mark
        )
        assert copied["message_thread_id"] == thread
        mark = await operator_says(
            h, operator, "Ответ в теме", message_thread_id=thread, is_topic_message=True
        )
        header = await h.next_message(512, after=mark)
        assert "#T1" in header["text"]


async def test_deleted_topic_is_recreated(tmp_path, database_url):
    async with running_bot(tmp_path, database_url=database_url, forum=True) as h:
        user = h.user(513, language_code="ru")
        await ask_operator(h, user, UNKNOWN["ru"])
        await h.server.wait_for(lambda c: c[0] == "sendMessage" and c[1]["chat_id"] == OPERATORS)
        h.server.fail(
            "copyMessage", 400, "Bad Request: message thread not found", chat_id=OPERATORS
        )
        mark = len(h.server.calls)
        await h.say(user, "Ещё вопрос")
        await h.server.wait_for(lambda c: c[0] == "createForumTopic", after=mark)
        _, copied = await h.server.wait_for(
            lambda c: c[0] == "copyMessage" and c[1]["chat_id"] == OPERATORS, after=mark
        )
        (ticket,) = await db(h, select(Ticket))
        assert copied["message_thread_id"] == ticket.thread_id


async def test_operator_commands_open_faq_stats_addfaq(harness, operator, knowledge):
    user = harness.user(514, language_code="kk")
    await ask_operator(harness, user, UNKNOWN["kk"])
    card = await card_of(harness, 1)

    mark = await operator_says(harness, operator, "/open")
    _, listing = await harness.server.wait_for(
        lambda c: c[0] == "sendMessage" and c[1]["chat_id"] == OPERATORS, after=mark
    )
    assert "#T1" in listing["text"] and "min" in listing["text"]

    entry_id = next(iter(knowledge.entries))
    mark = await operator_says(harness, operator, f"/faq {entry_id}", reply_to_message=card)
    sent = await harness.next_message(514, after=mark)
    assert knowledge.entries[entry_id].answer.kk in sent["text"]

    answer = harness.updates.message(operator, "Толық жауап", chat=GROUP, reply_to_message=card)
    mark = len(harness.server.calls)
    harness.server.push(answer)
    await harness.server.wait_for(
        lambda c: c[0] == "copyMessage" and c[1]["chat_id"] == 514, after=mark
    )
    mark = await operator_says(harness, operator, "/addfaq", reply_to_message=answer["message"])
    await harness.server.wait_for(
        lambda c: c[0] == "sendMessage" and "/export" in c[1]["text"], after=mark
    )
    (suggestion,) = await db(harness, select(FaqSuggestion))
    assert (suggestion.answer, suggestion.lang) == ("Толық жауап", "kk")

    mark = await operator_says(harness, operator, "/stats")
    _, stats = await harness.server.wait_for(
        lambda c: c[0] == "sendMessage" and "Сегодня" in c[1]["text"], after=mark
    )
    assert "Сегодня: 1 " in stats["text"] and f"1. {UNKNOWN['kk']} — 1" in stats["text"]


async def test_unclaimed_ticket_is_raised_again(harness):
    user = harness.user(515, language_code="en")
    await ask_operator(harness, user, UNKNOWN["en"])
    await card_of(harness, 1)
    async with session_factory(harness.app.engine)() as session:
        ticket = await session.get(Ticket, 1)
        ticket.created_at = utcnow() - timedelta(minutes=30)
        await session.commit()
    mark = len(harness.server.calls)
    async with session_factory(harness.app.engine)() as session:
        assert await harness.app.desk.remind(session) == 1
        assert await harness.app.desk.remind(session) == 0  # not twice in a row
        await session.commit()
    _, reminder = await harness.server.wait_for(
        lambda c: c[0] == "sendMessage" and c[1]["chat_id"] == OPERATORS, after=mark
    )
    assert reminder["text"].startswith("⏰ #T1")


async def test_suggestions_export(harness, operator):
    from bot.services.suggestions import export_yaml

    user = harness.user(516, language_code="ru")
    await ask_operator(harness, user, UNKNOWN["ru"])
    async with session_factory(harness.app.engine)() as session:
        ticket = await session.get(Ticket, 1)
        session.add(
            FaqSuggestion(
                ticket_id=1,
                lang="ru",
                question=ticket.question,
                answer="Смотрите прогноз",
                operator_id=7001,
            )
        )
        await session.commit()
        exported = await export_yaml(session)
    import yaml

    data = yaml.safe_load(exported)
    assert data["operator_answers"][0]["answer"] == "Смотрите прогноз"
    assert data["unanswered_questions"][0] == {"question": UNKNOWN["ru"], "lang": "ru", "count": 1}
