"""End to end: the trainee quiz through the fake Bot API server over HTTP, alone in a private
chat and in a workshop group, across restarts of the bot."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import func, select

from bot.db.engine import session_factory
from bot.db.models import QuizAnswer, QuizPoll, QuizRound
from bot.quiz import QuizBank
from bot.quiz.keyboards import QuizNew, QuizRetry, QuizTopicChoice
from tests.conftest import OPERATORS, Harness, buttons, eventually, running_bot

SMALL_QUIZ = Path(__file__).parent / "data" / "quiz_small.yaml"
BANK = QuizBank.load(SMALL_QUIZ)
GROUP_ID = -100777
GROUP = {"id": GROUP_ID, "type": "supergroup", "title": "Workshop"}
TRAINER = 500


@asynccontextmanager
async def quiz_bot(tmp_path: Path, database_url: str, **overrides: Any) -> AsyncIterator[Harness]:
    """The bot on the small bank, with rounds of 3 and group timing fast enough for tests."""
    settings: dict[str, Any] = {
        "quiz_path": SMALL_QUIZ,
        "quiz_round_size": 3,
        "quiz_min_seconds": 1,
        "quiz_pause_seconds": 0.2,
        **overrides,
    }
    async with running_bot(tmp_path, database_url=database_url, **settings) as h:
        h.server.api.admins[GROUP_ID] = {TRAINER}
        yield h


async def sent_poll(h: Harness, params: dict[str, Any]) -> dict[str, Any]:
    """The poll the fake server made for a sendPoll call (the latest with that question),
    once the bot has stored it: a person needs that long to read a question anyway."""
    poll = [p for p in h.server.api.polls.values() if p["question"] == params["question"]][-1]
    await eventually(
        lambda: db_count(h, QuizPoll, QuizPoll.poll_id == poll["id"]), f"poll {poll['id']} stored"
    )
    return poll


async def next_poll(h: Harness, chat_id: int, after: int, timeout: float = 5.0) -> dict[str, Any]:
    _, params = await h.server.wait_for(
        lambda c: c[0] == "sendPoll" and c[1]["chat_id"] == chat_id, after=after, timeout=timeout
    )
    return params


def answer(h: Harness, user: dict, poll: dict[str, Any], right: bool) -> int:
    """Answer a poll as the user, rightly or not; return the call mark."""
    mark = len(h.server.calls)
    correct = poll["correct_option_ids"][0]
    option = correct if right else (correct + 1) % len(poll["options"])
    h.server.push(h.updates.poll_answer(user, poll["id"], [option]))
    return mark


async def start_private_round(h: Harness, user: dict, topic: str = "all") -> dict[str, Any]:
    """/quiz, then a topic; return the first poll (as the fake server stores it)."""
    menu = await h.say(user, "/quiz")
    data = QuizTopicChoice(topic=topic).pack()
    assert data in [d for _, d in buttons(menu)]
    mark = await h.press(user, data)
    return await sent_poll(h, await next_poll(h, user["id"], mark))


async def play(h: Harness, user: dict, poll: dict, rights: list[bool]) -> dict[str, Any]:
    """Answer this poll and the next ones; return the message that follows the last answer.
    After a wrong answer the bot names the right option first."""
    for index, right in enumerate(rights):
        right_text = poll["options"][poll["correct_option_ids"][0]]["text"]
        mark = answer(h, user, poll, right)
        reply = await h.next_message(user["id"], after=mark)
        if not right:
            assert reply["text"].endswith(f": {right_text}") and reply["text"].startswith("❌")
            mark = (
                next(
                    i
                    for i in range(len(h.server.calls) - 1, mark - 1, -1)
                    if h.server.calls[i][1] is reply
                )
                + 1
            )
            reply = await h.next_message(user["id"], after=mark)
        else:
            assert not reply.get("text", "").startswith("❌")
        if index < len(rights) - 1:
            assert reply.get("type") == "quiz", reply
            poll = await sent_poll(h, reply)
    return reply


async def quiet(h: Harness, chat_id: int, after: int, seconds: float = 0.4) -> list[str]:
    """What the bot sent to this chat during a short wait (expected: nothing)."""
    await asyncio.sleep(seconds)
    return [
        m
        for m, p in h.server.calls[after:]
        if m in ("sendMessage", "sendPoll") and p.get("chat_id") == chat_id
    ]


async def db_count(h: Harness, model, *where) -> int:
    async with session_factory(h.app.engine)() as session:
        return await session.scalar(select(func.count()).select_from(model).where(*where))


# --- a private round ------------------------------------------------------------------------
async def test_a_full_round_with_right_and_wrong_answers(tmp_path, database_url):
    async with quiz_bot(tmp_path, database_url) as h:
        user = h.user(1, language_code="en")
        menu = await h.say(user, "/quiz")
        labels = [text for text, _ in buttons(menu)]
        assert labels == ["🎲 All topics", "Electoral system", "Observers"]

        mark = await h.press(user, QuizTopicChoice(topic="electoral_system").pack())
        _, toast = await h.server.wait_for(lambda c: c[0] == "answerCallbackQuery", after=mark)
        assert toast["text"] == "Quiz: Electoral system. Questions: 3."
        first = await next_poll(h, 1, mark)
        assert first["type"] == "quiz" and first["is_anonymous"] is False
        assert first["question"].startswith("1/3. ")
        bank_question = next(
            q for q in BANK.book.questions if first["question"].endswith(q.question.en)
        )
        assert sorted(first["options"]) == sorted(bank_question.options.en)
        right_text = bank_question.options.en[bank_question.correct]
        assert first["options"][first["correct_option_id"]] == right_text
        assert first["explanation"] == bank_question.explanation.en

        results = await play(h, user, await sent_poll(h, first), [True, False, True])
        assert results["text"].startswith("🏁 Quiz finished: 2 of 3 correct.")
        assert "⚠️ Electoral system: 2/3" in results["text"]
        assert "Topics to revise: Electoral system." in results["text"]
        assert [t for t, _ in buttons(results)] == ["🔁 Retry my mistakes (1)", "🆕 New quiz"]
        assert await db_count(h, QuizRound, QuizRound.status == "finished") == 1
        assert await db_count(h, QuizAnswer, QuizAnswer.correct.is_(True)) == 2


async def test_the_deep_link_opens_the_topic_choice(tmp_path, database_url):
    async with quiz_bot(tmp_path, database_url) as h:
        reply = await h.say(h.user(2, language_code="en"), "/start quiz")
        assert QuizTopicChoice(topic="all").pack() in [d for _, d in buttons(reply)]
        plain = await h.say(h.user(3, language_code="en"), "/start")
        assert not any(d.startswith("qz") for _, d in buttons(plain))


async def test_retry_my_mistakes_and_my_results(tmp_path, database_url):
    async with quiz_bot(tmp_path, database_url) as h:
        user = h.user(4, language_code="en")
        poll = await start_private_round(h, user, "electoral_system")
        results = await play(h, user, poll, [False, True, True])
        missed = next(q for q in BANK.book.questions if poll["question"].endswith(q.question.en))

        before = await h.say(user, "/myresults")
        assert "Electoral system · 2/3" in before["text"]
        assert "• Electoral system: 1" in before["text"]

        retry = next(d for t, d in buttons(results) if t.startswith("🔁"))
        assert QuizRetry.unpack(retry).round_id == 1
        mark = await h.press(user, retry)
        again = await next_poll(h, 4, mark)
        assert again["question"] == f"1/1. {missed.question.en}"
        final = await play(h, user, await sent_poll(h, again), [True])
        assert final["text"].startswith("🏁 Quiz finished: 1 of 1 correct.")
        assert [t for t, _ in buttons(final)] == ["🆕 New quiz"]

        after = await h.say(user, "/myresults")
        assert "🔁 Electoral system · 1/1" in after["text"]
        assert "Nothing to revise" in after["text"]
        removed = [p for m, p in h.server.calls if m == "editMessageReplyMarkup"]
        assert removed and "reply_markup" not in removed[-1]  # the results lost their buttons


async def test_quiz_resumes_after_a_restart_of_the_bot(tmp_path, database_url):
    user_id = 5
    async with quiz_bot(tmp_path, database_url) as h:
        user = h.user(user_id, language_code="en")
        poll = await start_private_round(h, user)
        second = await h.next_message(user_id, after=answer(h, user, poll, True))
        assert second["question"].startswith("2/3. ")
    async with quiz_bot(tmp_path, database_url) as h:  # a new process on the same database
        resumed = await h.say(user, "/quiz")
        assert resumed["question"] == second["question"]
        assert [t for t, _ in buttons(resumed)] == ["🆕 New quiz"]
        results = await play(h, user, await sent_poll(h, resumed), [True, False])
        assert results["text"].startswith("🏁 Quiz finished: 2 of 3 correct.")


async def test_new_quiz_abandons_the_round_in_progress(tmp_path, database_url):
    async with quiz_bot(tmp_path, database_url) as h:
        user = h.user(6, language_code="en")
        poll = await start_private_round(h, user)
        resumed = await h.say(user, "/quiz")
        assert resumed["question"] == poll["question"]
        mark = await h.press(user, QuizNew().pack())
        menu = await h.next_message(6, after=mark)
        assert QuizTopicChoice(topic="all").pack() in [d for _, d in buttons(menu)]
        assert await db_count(h, QuizRound, QuizRound.status == "abandoned") == 1

        mark = answer(h, user, poll, True)  # the abandoned round's poll
        assert await quiet(h, 6, mark) == []
        assert await db_count(h, QuizAnswer) == 0


async def test_late_duplicate_and_unknown_poll_answers_change_nothing(
    tmp_path, database_url, caplog
):
    caplog.set_level(logging.ERROR)
    async with quiz_bot(tmp_path, database_url) as h:
        user = h.user(7, language_code="en")
        first = await start_private_round(h, user)

        mark = answer(h, user, first, True)
        answer(h, user, first, True)  # Telegram delivered it twice
        second = await sent_poll(h, await next_poll(h, 7, mark))
        answer(h, user, first, False)  # another option for a question already answered
        assert await quiet(h, 7, mark) == ["sendPoll"]  # one next question, not two or three
        assert await db_count(h, QuizAnswer) == 1

        await play(h, user, second, [True, True])
        mark = answer(h, user, first, False)  # late: the round is over
        h.server.push(h.updates.poll_answer(user, "no-such-poll", [0]))
        assert await quiet(h, 7, mark) == []
        assert await db_count(h, QuizAnswer) == 3
        assert await db_count(h, QuizAnswer, QuizAnswer.correct.is_(False)) == 0
        assert (await h.say(user, "/help"))["text"]  # still answering
    assert [r for r in caplog.records if r.levelno >= logging.ERROR] == []


async def test_a_flood_limit_on_send_poll_is_waited_out(tmp_path, database_url):
    async with quiz_bot(tmp_path, database_url) as h:
        user = h.user(8, language_code="en")
        h.server.fail("sendPoll", 429, "Too Many Requests: retry after 1", retry_after=1)
        poll = await start_private_round(h, user)
        assert poll["question"].startswith("1/3. ")
        assert [m for m, _ in h.server.failed_calls] == ["sendPoll"]
        # the poll is stored once the worker reports that Telegram took it
        assert await eventually(lambda: db_count(h, QuizPoll), "the poll stored") == 1


async def test_a_poll_telegram_refuses_is_reported_and_can_be_asked_again(tmp_path, database_url):
    async with quiz_bot(tmp_path, database_url) as h:
        user = h.user(9, language_code="en")
        h.server.fail("sendPoll", 400, "Bad Request: POLL_QUESTION_INVALID")
        await h.say(user, "/quiz")
        mark = await h.press(user, QuizTopicChoice(topic="all").pack())
        refusal = await h.next_message(9, after=mark)
        assert refusal["text"] == "I could not send the question. Send /quiz to try again."
        assert await db_count(h, QuizRound, QuizRound.status == "active") == 1
        mark = len(h.server.calls)
        again = await h.say(user, "/quiz")  # the round goes on at the same question
        assert again.get("type") == "quiz" and again["question"].startswith("1/3. ")


async def test_each_language(tmp_path, database_url):
    expected = {
        "kk": ("тақырып", "Барлық тақырып", "🏁 Тест аяқталды"),
        "ru": ("тему", "Все темы", "🏁 Тест окончен"),
        "en": ("topic", "All topics", "🏁 Quiz finished"),
    }
    async with quiz_bot(tmp_path, database_url, quiz_round_size=1) as h:
        for user_id, (lang, (menu_word, all_label, finished)) in enumerate(
            expected.items(), start=10
        ):
            user = h.user(user_id, language_code=lang)
            menu = await h.say(user, "/quiz")
            assert menu_word in menu["text"], (lang, menu["text"])
            assert all_label in buttons(menu)[0][0]
            titles = [t for t, _ in buttons(menu)[1:]]
            assert titles == [topic.title.get(lang) for topic in BANK.book.topics]
            mark = await h.press(user, buttons(menu)[0][1])
            params = await next_poll(h, user_id, mark)
            question = next(
                q
                for q in BANK.book.questions
                if params["question"] == f"1/1. {q.question.get(lang)}"
            )
            assert sorted(params["options"]) == sorted(question.options.get(lang))
            assert params["explanation"] == question.explanation.get(lang)
            results = await play(h, user, await sent_poll(h, params), [True])
            assert results["text"].startswith(finished), (lang, results["text"])


# --- a workshop group -----------------------------------------------------------------------
async def say_in_group(h: Harness, user: dict, text: str) -> int:
    mark = len(h.server.calls)
    h.server.push(h.updates.message(user, text, chat=GROUP))
    return mark


async def group_message(h: Harness, after: int, needle: str, timeout: float = 5.0) -> str:
    _, params = await h.server.wait_for(
        lambda c: c[0] == "sendMessage" and c[1]["chat_id"] == GROUP_ID and needle in c[1]["text"],
        after=after,
        timeout=timeout,
    )
    return params["text"]


async def test_a_group_round_with_three_participants_and_the_leaderboard(tmp_path, database_url):
    async with quiz_bot(tmp_path, database_url) as h:
        trainer = h.user(TRAINER, first_name="Trainer", language_code="en")
        aigerim = h.user(501, first_name="Aigerim")
        bolat = h.user(502, first_name="Bolat")
        dana = h.user(503, first_name="<Dana & co>")
        mark = await say_in_group(h, trainer, "/quiz electoral_system 2 1")
        announced = await group_message(h, mark, "Quiz")
        assert "Electoral system" in announced and "2" in announced

        params = await next_poll(h, GROUP_ID, mark)
        assert params["open_period"] == 1 and params["is_anonymous"] is False
        assert params["question"].startswith("1/2. ")
        poll = await sent_poll(h, params)
        for person, right in ((aigerim, True), (bolat, False), (dana, True)):
            answer(h, person, poll, right)

        mark = len(h.server.calls)
        params = await next_poll(h, GROUP_ID, mark)
        assert params["question"].startswith("2/2. ")
        poll = await sent_poll(h, params)
        for person, right in ((aigerim, True), (bolat, True), (dana, False)):
            answer(h, person, poll, right)

        board = await group_message(h, mark, "Leaderboard")
        assert board.startswith("🏁 The quiz is over. Questions: 2.")
        assert board.splitlines()[-3:] == [
            "🥇 Aigerim — 2",
            "🥈 &lt;Dana &amp; co&gt; — 1",  # equal scores share a place, by name
            "🥈 Bolat — 1",
        ]
        assert await db_count(h, QuizRound, QuizRound.status == "finished") == 1


async def test_group_polls_keep_within_the_groups_sending_budget(tmp_path, database_url):
    """Polls are paced with everything else the bot says in the group: here at most 2 in any
    1.5 s, where a poll sent straight after the last one closed would make 3."""
    window = 1.5
    async with quiz_bot(
        tmp_path, database_url, rate_group_per_minute=2, rate_group_window_seconds=window
    ) as h:
        sent: list[tuple[str, float]] = []

        def record(method: str, params: dict[str, Any], _result: Any) -> None:
            if method in ("sendMessage", "sendPoll") and str(params["chat_id"]) == str(GROUP_ID):
                sent.append((method, time.monotonic()))

        h.server.observers.append(record)
        trainer = h.user(TRAINER, first_name="Trainer", language_code="en")
        mark = await say_in_group(h, trainer, "/quiz electoral_system 2 1")
        await group_message(h, mark, "quiz is over", timeout=10)
        assert [m for m, _ in sent] == ["sendMessage", "sendPoll", "sendPoll", "sendMessage"]
        times = [t for _, t in sent]
        for index, at in enumerate(times):
            # 0.1 s of slack for the HTTP round trip between the pacer and the server's clock
            in_window = [t for t in times[: index + 1] if at - t < window - 0.1]
            assert len(in_window) <= 2, f"{len(in_window)} group messages within {window} s"


async def test_a_group_poll_telegram_refuses_ends_the_round(tmp_path, database_url):
    async with quiz_bot(tmp_path, database_url) as h:
        trainer = h.user(TRAINER, first_name="Trainer", language_code="en")
        h.server.fail("sendPoll", 400, "Bad Request: POLL_QUESTION_INVALID", chat_id=GROUP_ID)
        mark = await say_in_group(h, trainer, "/quiz electoral_system 2 1")
        board = await group_message(h, mark, "could not go on")
        assert board.startswith("⏹ The quiz could not go on and has ended after 0 of 2")
        assert await db_count(h, QuizRound, QuizRound.status == "abandoned") == 1
        assert await quiet(h, GROUP_ID, len(h.server.calls), 1.5) == []


async def test_a_non_admin_cannot_start_or_stop_a_group_quiz(tmp_path, database_url):
    async with quiz_bot(tmp_path, database_url) as h:
        member = h.user(600, first_name="Member", language_code="en")
        for command in ("/quiz all 3 5", "/stopquiz"):
            mark = await say_in_group(h, member, command)
            refusal = await group_message(h, mark, "admins")
            assert refusal == "Only group admins can start or stop a quiz."
        assert not [c for c in h.server.calls if c[0] == "sendPoll"]
        assert await db_count(h, QuizRound) == 0


async def test_the_trainer_stops_the_quiz_and_gets_the_leaderboard_so_far(tmp_path, database_url):
    async with quiz_bot(tmp_path, database_url) as h:
        trainer = h.user(TRAINER, first_name="Trainer", language_code="en")
        mark = await say_in_group(h, trainer, "/quiz all 3 30")
        poll = await sent_poll(h, await next_poll(h, GROUP_ID, mark))
        answer(h, h.user(501, first_name="Aigerim"), poll, True)
        await eventually(lambda: db_count(h, QuizAnswer), "the answer stored")

        mark = await say_in_group(h, trainer, "/stopquiz")
        board = await group_message(h, mark, "stopped")
        assert board.startswith("⏹ The quiz was stopped after 1 of 3 questions.")
        assert "🥇 Aigerim — 1" in board
        _, stop = await h.server.wait_for(lambda c: c[0] == "stopPoll", after=mark)
        assert stop["chat_id"] == GROUP_ID
        assert await quiet(h, GROUP_ID, len(h.server.calls), 0.5) == []

        mark = await say_in_group(h, trainer, "/stopquiz")
        assert await group_message(h, mark, "No quiz") == "No quiz is running here."


async def test_bad_group_arguments_get_the_usage(tmp_path, database_url):
    async with quiz_bot(tmp_path, database_url) as h:
        trainer = h.user(TRAINER, first_name="Trainer", language_code="en")
        mark = await say_in_group(h, trainer, "/quiz no_such_topic 5")
        usage = await group_message(h, mark, "/quiz [topic|all]")
        assert "<code>observers</code> — Observers" in usage
        assert not [c for c in h.server.calls if c[0] == "sendPoll"]


async def test_a_group_round_goes_on_after_a_restart(tmp_path, database_url):
    async with quiz_bot(tmp_path, database_url) as h:
        trainer = h.user(TRAINER, first_name="Trainer", language_code="en")
        mark = await say_in_group(h, trainer, "/quiz electoral_system 2 2")
        poll = await sent_poll(h, await next_poll(h, GROUP_ID, mark))
        answer(h, h.user(501, first_name="Aigerim"), poll, True)
        await eventually(lambda: db_count(h, QuizAnswer), "the answer stored")
    async with quiz_bot(tmp_path, database_url) as h:
        params = await next_poll(h, GROUP_ID, 0, timeout=6)
        assert params["question"].startswith("2/2. ")
        board = await group_message(h, 0, "Leaderboard", timeout=6)
        assert "🥇 Aigerim — 1" in board


async def test_a_group_round_too_old_to_go_on_is_ended_at_start_up(tmp_path, database_url):
    async with quiz_bot(tmp_path, database_url) as h:
        trainer = h.user(TRAINER, first_name="Trainer", language_code="en")
        mark = await say_in_group(h, trainer, "/quiz electoral_system 2 2")
        await sent_poll(h, await next_poll(h, GROUP_ID, mark))
        async with session_factory(h.app.engine)() as session:
            for poll in await session.scalars(select(QuizPoll)):
                poll.sent_at -= timedelta(hours=1)
            await session.commit()
    # The bot was down for an hour: when it is back, the workshop is over.
    async with quiz_bot(tmp_path, database_url) as h:
        board = await group_message(h, 0, "could not go on")
        assert board.startswith("⏹ The quiz could not go on and has ended after 1 of 2")
        assert await quiet(h, GROUP_ID, 0, 0.3) == ["sendMessage"]
        assert await db_count(h, QuizRound, QuizRound.status == "abandoned") == 1


async def test_no_quiz_in_the_operators_group(tmp_path, database_url):
    async with quiz_bot(tmp_path, database_url) as h:
        h.server.api.admins[OPERATORS] = {TRAINER}
        trainer = h.user(TRAINER, first_name="Trainer", language_code="en")
        mark = len(h.server.calls)
        h.server.push(
            h.updates.message(
                trainer, "/quiz all 3 5", chat={"id": OPERATORS, "type": "supergroup"}
            )
        )
        await asyncio.sleep(0.5)
        assert not [c for c in h.server.calls[mark:] if c[0] in ("sendPoll", "getChatMember")]


async def test_group_commands_are_in_the_group_menu(tmp_path, database_url):
    async with quiz_bot(tmp_path, database_url) as h:
        group_menus = [p for m, p in h.server.calls if m == "setMyCommands" and "scope" in p]
        assert {p.get("language_code") for p in group_menus} == {"kk", "ru", "en", None}
        assert all(
            [c["command"] for c in p["commands"]] == ["quiz", "stopquiz"] for p in group_menus
        )


async def test_a_private_rounds_button_seen_in_a_group_says_whose_it_is(tmp_path, database_url):
    """Someone forwards their results, with "Retry my mistakes" and "New quiz", to a workshop
    group; another trainee who presses one is told, in their language, that it is not theirs
    and how to take their own quiz."""
    async with quiz_bot(tmp_path, database_url) as h:
        presser = h.user(8101, first_name="Erlan", language_code="kk")
        forwarded = {"message_id": 5, "date": 0, "chat": GROUP, "text": "🏁 …"}
        for data in (QuizRetry(round_id=1).pack(), QuizNew().pack(), "qz:all"):
            mark = len(h.server.calls)
            h.server.push(h.updates.callback(presser, data, forwarded))
            _, answered = await h.server.wait_for(
                lambda c: c[0] == "answerCallbackQuery", after=mark
            )
            assert answered["show_alert"] is True
            assert "@saylau_bot" in answered["text"] and "/quiz" in answered["text"]
            assert answered["text"].startswith("Бұл тест")
        async with session_factory(h.app.engine)() as session:
            assert await session.scalar(select(func.count()).select_from(QuizRound)) == 0
