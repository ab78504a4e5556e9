"""Quiz scoring and round keeping, without Telegram: the pure scoring functions, then the
database service on a real (temporary) SQLite file with the migrations applied."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from bot.db.engine import create_engine, migrate, session_factory
from bot.db.models import QuizRound
from bot.quiz import QuizBank
from bot.quiz import rounds as quiz
from bot.quiz.rounds import Outcome
from bot.quiz.scoring import Standing, TopicScore, rank, summarize, topics_to_revise

SMALL_QUIZ = Path(__file__).parent / "data" / "quiz_small.yaml"
BANK = QuizBank.load(SMALL_QUIZ)
TOPIC = {"a1": "a", "a2": "a", "b1": "b"}


# --- scoring --------------------------------------------------------------------------------
def test_summary_per_topic_and_missed_in_round_order():
    summary = summarize(["a1", "b1", "a2"], {0: True, 1: False}, TOPIC.get)
    assert (summary.correct, summary.total) == (1, 3)
    assert summary.topics == [TopicScore("a", 1, 2), TopicScore("b", 0, 1)]
    assert summary.missed == ["b1", "a2"]  # a2 was never answered


def test_summary_leaves_out_questions_no_longer_in_the_bank():
    summary = summarize(["a1", "gone", "b1"], {0: True, 1: False, 2: True}, TOPIC.get)
    assert (summary.correct, summary.total, summary.missed) == (2, 2, [])


def test_rank_shares_places_on_equal_scores():
    assert rank([("Bolat", 1), ("aigerim", 3), ("Dana", 1), ("Erlan", 0)]) == [
        Standing(1, "aigerim", 3),
        Standing(2, "Bolat", 1),
        Standing(2, "Dana", 1),
        Standing(4, "Erlan", 0),
    ]
    assert rank([]) == []


def test_topics_to_revise_go_by_each_questions_latest_answer():
    history = [("a1", False), ("a2", False), ("b1", False), ("a1", True), ("gone", False)]
    assert topics_to_revise(history, TOPIC.get) == [("a", 1), ("b", 1)]
    assert topics_to_revise([("a1", False), ("a1", True)], TOPIC.get) == []


# --- rounds in the database -----------------------------------------------------------------
@pytest.fixture
async def session(database_url: str) -> AsyncIterator[AsyncSession]:
    engine = create_engine(database_url)
    await migrate(engine)
    async with session_factory(engine)() as session:
        yield session
    await engine.dispose()


async def private_round(session: AsyncSession, user_id: int = 1, **kw) -> QuizRound:
    values = {"question_ids": ["system_01", "system_02", "observers_01"], "topic": None, **kw}
    return await quiz.start_round(
        session, chat_id=user_id, user_id=user_id, kind="private", lang="en", **values
    )


async def test_a_private_round_from_start_to_summary(session):
    quiz_round = await private_round(session)
    for position, (poll_id, chosen) in enumerate([("p1", 2), ("p2", 1), ("p3", 0)]):
        assert quiz_round.current == position
        quiz.record_poll(session, quiz_round, poll_id, message_id=10 + position, correct=2)
        result = await quiz.record_answer(session, poll_id, 1, "Aigerim", [chosen])
        assert result.outcome is Outcome.RECORDED
        more = quiz.advance(quiz_round)
        assert more is (position < 2)
    assert await quiz.close_round(session, quiz_round.id, "finished")
    assert not await quiz.close_round(session, quiz_round.id, "abandoned")  # only once

    summary = await quiz.summary(session, quiz_round, BANK)
    assert (summary.correct, summary.total) == (1, 3)
    assert summary.missed == ["system_02", "observers_01"]
    assert summary.topics == [TopicScore("electoral_system", 1, 2), TopicScore("observers", 0, 1)]

    (past,) = await quiz.past_rounds(session, 1)
    assert (past.round.id, past.correct) == (quiz_round.id, 1)
    assert await quiz.revise(session, 1, BANK) == [("electoral_system", 1), ("observers", 1)]


async def test_answers_that_must_change_nothing(session):
    quiz_round = await private_round(session)
    quiz.record_poll(session, quiz_round, "p1", message_id=1, correct=0)
    assert (await quiz.record_answer(session, "nope", 1, "A", [0])).outcome is Outcome.UNKNOWN_POLL
    assert (await quiz.record_answer(session, "p1", 1, "A", [])).outcome is Outcome.RETRACTED
    assert (await quiz.record_answer(session, "p1", 2, "B", [0])).outcome is Outcome.STALE
    assert (await quiz.record_answer(session, "p1", 1, "A", [1])).outcome is Outcome.RECORDED
    assert (await quiz.record_answer(session, "p1", 1, "A", [0])).outcome is Outcome.DUPLICATE

    quiz.advance(quiz_round)  # p1 is for a question already behind
    quiz.record_poll(session, quiz_round, "p2", message_id=2, correct=0)
    assert (await quiz.record_answer(session, "p1", 1, "A", [0])).outcome is Outcome.STALE

    await quiz.close_round(session, quiz_round.id, "abandoned")
    await session.refresh(quiz_round)
    assert (await quiz.record_answer(session, "p2", 1, "A", [0])).outcome is Outcome.ROUND_CLOSED
    assert (await quiz.summary(session, quiz_round, BANK)).correct == 0  # p1's answer was wrong


async def test_a_resent_question_counts_once_whichever_poll_is_answered(session):
    quiz_round = await private_round(session)
    quiz.record_poll(session, quiz_round, "before-restart", message_id=1, correct=1)
    quiz.record_poll(session, quiz_round, "after-restart", message_id=2, correct=3)
    assert (await quiz.current_poll(session, quiz_round)).poll_id in {
        "before-restart",
        "after-restart",
    }
    old = await quiz.record_answer(session, "before-restart", 1, "A", [1])
    new = await quiz.record_answer(session, "after-restart", 1, "A", [3])
    assert (old.outcome, new.outcome) == (Outcome.RECORDED, Outcome.DUPLICATE)
    assert await quiz.asked_count(session, quiz_round) == 1


async def test_a_new_round_abandons_the_active_one(session):
    first = await private_round(session)
    assert await quiz.active_round(session, 1) is first
    second = await private_round(session, question_ids=["system_03"], retry_of=first.id)
    await session.refresh(first)
    assert first.status == "abandoned"
    assert await quiz.active_round(session, 1) is second
    assert await quiz.past_rounds(session, 1) == []  # abandoned rounds are not results


async def test_group_standings_by_latest_first_name(session):
    quiz_round = await quiz.start_round(
        session,
        chat_id=-100,
        user_id=9,
        kind="group",
        lang="ru",
        topic="observers",
        question_ids=["observers_01", "observers_02"],
        open_period=30,
    )
    quiz.record_poll(session, quiz_round, "g1", message_id=1, correct=0)
    for user_id, name, option in ((1, "Aigerim", 0), (2, "Bolat", 0), (3, "Dana", 1)):
        result = await quiz.record_answer(session, "g1", user_id, name, [option])
        assert result.outcome is Outcome.RECORDED
    quiz.advance(quiz_round)
    quiz.record_poll(session, quiz_round, "g2", message_id=2, correct=2)
    await quiz.record_answer(session, "g2", 1, "Aigerim B.", [2])
    await quiz.record_answer(session, "g1", 3, "Dana", [0])  # a second try at g1: ignored
    assert await quiz.standings(session, quiz_round) == [
        Standing(1, "Aigerim B.", 2),
        Standing(2, "Bolat", 1),
        Standing(3, "Dana", 0),
    ]
    assert await quiz.asked_count(session, quiz_round) == 2
    assert [r.id for r in await quiz.active_group_rounds(session)] == [quiz_round.id]
