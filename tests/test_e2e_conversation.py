"""End to end: the real dispatcher polls a fake Telegram server over HTTP, as in production."""

from __future__ import annotations

import asyncio
import logging

import pytest
from sqlalchemy import func, select

from bot.db.engine import session_factory
from bot.db.models import Feedback, Question, Ticket, User
from bot.handlers.keyboards import Rate, ShowAnswer
from bot.handlers.questions import answer_text
from tests.conftest import TOKEN, buttons, eventually, running_bot

# Questions whose matching the content tests guarantee (tests/test_faq_content.py).
ASK = {
    "kk": ("Сайлау қашан өтеді?", "election_date"),
    "ru": ("Где мой избирательный участок?", "polling_station"),
    "en": ("Which document do I need to vote?", "id_documents"),
}


async def db_count(harness, model, *where) -> int:
    async with session_factory(harness.app.engine)() as session:
        return await session.scalar(select(func.count()).select_from(model).where(*where))


async def test_first_start_offers_languages_and_saves_the_choice(harness):
    user = harness.user(1)
    reply = await harness.say(user, "/start")
    labels = [text for text, _ in buttons(reply)]
    assert len(labels) == 3 and any("Қазақша" in t for t in labels)

    kk_button = next(data for text, data in buttons(reply) if "Қазақша" in text)
    mark = await harness.press(user, kk_button)
    edited = await harness.next_message(user["id"], after=mark)
    assert edited["text"].startswith("Тіл: ")
    async with session_factory(harness.app.engine)() as session:
        assert (await session.get(User, 1)).language == "kk"

    again = await harness.say(user, "/start")
    assert "Сәлеметсіз бе" in again["text"] and not buttons(again)


async def test_language_command_switches_the_language(harness):
    user = harness.user(2, language_code="ru")
    reply = await harness.say(user, "/language")
    en_button = next(data for text, data in buttons(reply) if "English" in text)
    mark = await harness.press(user, en_button)
    assert (await harness.next_message(2, after=mark))["text"].startswith("Language: ")
    help_reply = await harness.say(user, "/help")
    assert "/language" in help_reply["text"] and "Ask me about" in help_reply["text"]


async def test_a_question_in_each_language_gets_the_answer_in_that_language(harness, knowledge):
    for user_id, (lang, (question, entry_id)) in enumerate(ASK.items(), start=10):
        user = harness.user(user_id)  # no saved language, no language_code: detected
        reply = await harness.say(user, question)
        entry = knowledge.entries[entry_id]
        assert entry.answer.get(lang) in reply["text"], (lang, reply["text"][:80])
        labels = [text for text, _ in buttons(reply)]
        assert "👍" in labels and "👎" in labels
        for related in knowledge.related(entry):
            assert related.title(lang) in labels
    assert await db_count(harness, Question, Question.outcome == "answer") == 3


async def test_the_message_language_wins_over_telegrams(harness, knowledge):
    user = harness.user(20, language_code="en")
    question, entry_id = ASK["ru"]
    reply = await harness.say(user, question)
    assert knowledge.entries[entry_id].answer.ru in reply["text"]


async def test_a_saved_language_wins_over_the_message_language(harness, knowledge):
    user = harness.user(22, language_code="ru")
    reply = await harness.say(user, "/language")
    en_button = next(data for text, data in buttons(reply) if "English" in text)
    await harness.next_message(22, after=await harness.press(user, en_button))
    question, entry_id = ASK["ru"]
    reply = await harness.say(user, question)
    assert knowledge.entries[entry_id].answer.en in reply["text"]


async def test_buttons_answer_in_the_language_of_the_message_above_them(harness, knowledge):
    query = next(
        q
        for q in ("выборы", "участок", "комиссия", "бюллетень")
        if knowledge.matcher.match(q).kind == "suggest"
    )
    user = harness.user(23, language_code="kk")  # Telegram says Kazakh, the voter writes Russian
    choices = await harness.say(user, query)
    apology = await harness.next_message(
        23, after=await harness.press(user, buttons(choices)[-1][1])
    )
    assert apology["text"].startswith("К сожалению, у меня нет ответа")
    answer = await harness.say(user, ASK["ru"][0])
    down = next(d for t, d in buttons(answer) if t == "👎")
    offer = await harness.next_message(23, after=await harness.press(user, down))
    assert offer["text"].startswith("Жаль, что ответ не помог")
    # a command or a sticker says nothing about the language: the last words still decide
    assert (await harness.say(user, "/help"))["text"].startswith("Спрашивайте о выборах")
    photo = [{"file_id": "p", "file_unique_id": "p", "width": 1, "height": 1}]
    assert (await harness.say(user, photo=photo))["text"].startswith("Я понимаю только текст")


@pytest.mark.parametrize("text", ["salem", "Rakhmet!", "рахмет"])
async def test_kazakh_greetings_and_thanks_in_any_script_get_kazakh_replies(harness, text):
    user = harness.user(24, language_code="en")
    reply = await harness.say(user, text)
    assert reply["text"].startswith(("Сәлеметсіз бе", "Оқасы жоқ")), reply["text"]


async def test_related_button_shows_that_answer(harness, knowledge):
    user = harness.user(21, language_code="ru")
    question, entry_id = ASK["ru"]
    reply = await harness.say(user, question)
    related = knowledge.related(knowledge.entries[entry_id])[0]
    data = next(d for text, d in buttons(reply) if text == related.title("ru"))
    assert ShowAnswer.unpack(data).entry_id == related.id
    mark = await harness.press(user, data)
    shown = await harness.next_message(21, after=mark)
    assert shown["text"] == answer_text_for(harness, related, "ru")


def answer_text_for(harness, entry, lang):
    with harness.app.i18n.context(), harness.app.i18n.use_locale(lang):
        return answer_text(entry, lang)


async def test_feedback_is_stored_once_and_can_be_changed(harness):
    user = harness.user(30, language_code="ru")
    reply = await harness.say(user, ASK["ru"][0])
    up = next(d for t, d in buttons(reply) if t == "👍")
    down = next(d for t, d in buttons(reply) if t == "👎")
    mark = await harness.press(user, up)
    _, answered = await harness.server.wait_for(lambda c: c[0] == "answerCallbackQuery", after=mark)
    assert answered["text"] == "Спасибо за отзыв!"
    mark = await harness.press(user, down)
    offer = await harness.next_message(30, after=mark)
    assert "Оператор" in offer["text"] and len(buttons(offer)) == 1
    assert await db_count(harness, Feedback) == 1
    assert await db_count(harness, Feedback, Feedback.useful.is_(False)) == 1


async def test_unsure_question_offers_suggestions_and_none_of_these(harness, knowledge):
    query = next(
        q
        for q in ("выборы", "участок", "сайлау", "election", "комиссия", "бюллетень")
        if knowledge.matcher.match(q).kind == "suggest"
    )
    expected = knowledge.matcher.match(query).suggestions
    user = harness.user(40, language_code="ru")
    reply = await harness.say(user, query)
    labels = [text for text, _ in buttons(reply)]
    assert labels[:-1] == [knowledge.entries[i].title("ru") for i in expected]
    assert labels[-1] == "Ничего из этого"
    mark = await harness.press(user, buttons(reply)[-1][1])
    apology = await harness.next_message(40, after=mark)
    assert "Оператор" in apology["text"]
    assert await db_count(harness, Question, Question.outcome == "none") == 1


async def test_no_match_apologises_and_offers_an_operator(harness):
    user = harness.user(41, language_code="en")
    reply = await harness.say(user, "How many moons does Jupiter have?")
    assert "Sorry" in reply["text"]
    ((label, data),) = buttons(reply)
    assert "operator" in label
    mark = await harness.press(user, data)
    passed = await harness.next_message(41, after=mark)
    assert "passed to an operator as #T1" in passed["text"]


async def test_without_an_operators_group_the_bot_points_to_the_helpline(
    tmp_path, database_url, knowledge
):
    """Nobody could ever answer a ticket: no operator is offered, the helpline is shown."""
    helpline = knowledge.get("helpline").answer
    async with running_bot(tmp_path, database_url=database_url, operators_chat_id=None) as h:
        user = h.user(44, language_code="ru")
        reply = await h.say(user, "Сколько спутников у Юпитера?")
        assert reply["text"].startswith("К сожалению, у меня нет ответа на этот вопрос.\n\n")
        assert "Здесь я не могу передать вопрос операторам" in reply["text"]
        assert reply["text"].endswith(helpline.ru) and not buttons(reply)
        answer = await h.say(user, ASK["ru"][0])
        down = next(d for t, d in buttons(answer) if t == "👎")
        offer = await h.next_message(44, after=await h.press(user, down))
        assert offer["text"].startswith("Жаль, что ответ не помог.") and not buttons(offer)
        assert offer["text"].endswith(helpline.ru)
        assert await db_count(h, Ticket) == 0


async def test_a_question_the_faq_lists_as_out_of_scope_is_declined_with_the_operator_offer(
    harness,
):
    user = harness.user(43, language_code="kk")
    reply = await harness.say(user, "Ертең Алматыда ауа райы қандай болады?")
    assert "19 наурыздағы Мәжіліс және мәслихат" in reply["text"]
    ((label, _),) = buttons(reply)
    assert "Оператор" in label
    assert await db_count(harness, Question, Question.outcome == "out_of_scope") == 1


async def test_greeting_gets_a_friendly_reply_and_is_not_a_question(harness):
    user = harness.user(42, language_code="kk")
    reply = await harness.say(user, "Сәлем!")
    assert reply["text"].startswith("Сәлеметсіз бе") and not buttons(reply)
    assert await db_count(harness, Question) == 0


@pytest.mark.parametrize("noise", ["9", "<b>x</b> & y", "???"])
async def test_a_message_without_words_is_asked_again_in_words(harness, noise):
    user = harness.user(43, language_code="ru")
    reply = await harness.say(user, noise)
    assert reply["text"].startswith("Пожалуйста, напишите вопрос словами") and not buttons(reply)
    assert await db_count(harness, Question) == 0  # not counted as an unanswered question


async def test_stickers_photos_and_voice_get_a_request_for_text(harness):
    user = harness.user(50, language_code="ru")
    for content in (
        {
            "sticker": {
                "file_id": "s",
                "file_unique_id": "s",
                "type": "regular",
                "width": 1,
                "height": 1,
                "is_animated": False,
                "is_video": False,
            }
        },
        {"photo": [{"file_id": "p", "file_unique_id": "p", "width": 1, "height": 1}]},
        {"voice": {"file_id": "v", "file_unique_id": "v", "duration": 1}},
    ):
        reply = await harness.say(user, **content)
        assert (
            reply["text"] == "Я понимаю только текст. Пожалуйста, напишите ваш вопрос сообщением."
        )


async def test_a_5000_character_message_is_answered_and_stored(harness):
    user = harness.user(60, language_code="ru")
    text = ASK["ru"][0] + " " + "а" * 4970
    reply = await harness.say(user, text)
    assert reply["text"]
    async with session_factory(harness.app.engine)() as session:
        stored = await session.scalar(select(Question.text).where(Question.user_id == 60))
    assert stored is not None and len(stored) == 4096


async def test_user_html_is_never_echoed_unescaped(harness):
    user = harness.user(70, language_code="ru")
    for text in (
        "<b>жирный</b> & <i>вопрос</i>",
        "<script>alert(1)</script>",
        "Где <b>участок</b>?",
    ):
        await harness.say(user, text)
    sent = [p.get("text", "") for m, p in harness.server.calls if m == "sendMessage"]
    assert sent and not any("<b>жирный" in s or "<script>" in s or "<b>участок" in s for s in sent)


async def test_forged_or_foreign_callback_data_is_refused(harness):
    owner, stranger = harness.user(80, language_code="ru"), harness.user(81, language_code="ru")
    reply = await harness.say(owner, ASK["ru"][0])
    up = next(d for t, d in buttons(reply) if t == "👍")
    question_id = Rate.unpack(up).question_id
    forged = [
        up,  # someone else's question
        ShowAnswer(entry_id="no_such_entry", question_id=question_id).pack(),
        "rate:notanumber:x:1",
        "totally-unknown",
        "lang:de",
    ]
    for data in forged:
        mark = await harness.press(stranger, data)
        _, answered = await harness.server.wait_for(
            lambda c: c[0] == "answerCallbackQuery", after=mark
        )
        assert answered["text"] == "Эта кнопка больше не действует.", data
    assert await db_count(harness, Feedback) == 0


async def test_a_flooding_user_is_slowed_down_and_others_are_not(harness):
    flooder, calm = harness.user(90, language_code="ru"), harness.user(91, language_code="ru")
    mark = len(harness.server.calls)
    for _ in range(12):
        harness.server.push(harness.updates.message(flooder, ASK["ru"][0]))
    reply = await harness.say(calm, ASK["ru"][0])
    assert "Вы пишете очень быстро" not in reply["text"]
    limit = harness.app.settings.flood_messages

    def sent_to_flooder() -> list[str]:
        calls = harness.server.calls[mark:]
        return [p["text"] for m, p in calls if m == "sendMessage" and p["chat_id"] == 90]

    async def all_out() -> bool:
        return len(sent_to_flooder()) >= limit + 1

    await eventually(all_out, "the flooder's answers and one warning", timeout=15)
    await harness.app.delivery.idle()
    await asyncio.sleep(0.2)  # anything more would have been queued by now
    got = sent_to_flooder()
    assert len(got) == limit + 1
    assert sum("Вы пишете очень быстро" in t for t in got) == 1


async def test_commands_menu_is_set_per_language(harness):
    menus = {
        p.get("language_code"): p["commands"]
        for m, p in harness.server.calls
        if m == "setMyCommands" and "scope" not in p
    }
    assert set(menus) == {"kk", "ru", "en", None}
    assert {c["command"] for c in menus["kk"]} >= {"start", "help", "language", "quiz"}
    assert menus["kk"] != menus["ru"] != menus["en"]


async def test_the_token_never_reaches_the_logs(tmp_path, caplog):
    from tests.conftest import running_bot

    caplog.set_level(logging.DEBUG)
    async with running_bot(tmp_path) as h:
        h.server.fail("sendMessage", 500, "Internal Server Error")
        user = h.user(99, language_code="ru")
        h.server.push(h.updates.message(user, ASK["ru"][0]))
        await asyncio.sleep(0.5)
    assert TOKEN in h.server.tokens_seen  # the token did travel, to the API only
    leaks = [r.getMessage() for r in caplog.records if TOKEN in r.getMessage()]
    assert leaks == []
