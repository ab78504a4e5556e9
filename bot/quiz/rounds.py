"""Quiz rounds in the database: starting, the polls sent, answers, scores. No Telegram here.

An answer is recorded at most once per question and person (a unique key, written with
"insert ... on conflict do nothing"), so a poll answer that Telegram delivers twice, one for a
round that is over, or one for a poll nobody knows, changes nothing.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum

from sqlalchemy import distinct, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.db.engine import insert_or
from bot.db.models import QuizAnswer, QuizPoll, QuizRound, utcnow
from bot.quiz import QuizBank
from bot.quiz.scoring import RoundSummary, Standing, rank, summarize, topics_to_revise

ACTIVE = "active"


class Outcome(Enum):
    RECORDED = "recorded"
    UNKNOWN_POLL = "unknown poll"
    ROUND_CLOSED = "round closed"  # late: the round is finished, stopped or abandoned
    STALE = "stale"  # a private round has moved past this question
    DUPLICATE = "duplicate"
    RETRACTED = "retracted"


@dataclass(frozen=True)
class AnswerResult:
    outcome: Outcome
    round: QuizRound | None = None
    correct: bool | None = None  # of a recorded answer


async def active_round(session: AsyncSession, chat_id: int) -> QuizRound | None:
    return await session.scalar(
        select(QuizRound)
        .where(QuizRound.chat_id == chat_id, QuizRound.status == ACTIVE)
        .order_by(QuizRound.id.desc())
        .limit(1)
    )


async def active_group_rounds(session: AsyncSession) -> list[QuizRound]:
    rows = await session.scalars(
        select(QuizRound).where(QuizRound.kind == "group", QuizRound.status == ACTIVE)
    )
    return list(rows)


async def close_round(session: AsyncSession, round_id: int, status: str) -> bool:
    """Active -> `status`, atomically; False if the round was already over (someone else
    closed it first, so only one of them announces the result)."""
    result = await session.execute(
        update(QuizRound)
        .where(QuizRound.id == round_id, QuizRound.status == ACTIVE)
        .values(status=status, finished_at=utcnow())
    )
    return result.rowcount == 1


async def start_round(
    session: AsyncSession,
    *,
    chat_id: int,
    user_id: int,
    kind: str,
    lang: str,
    topic: str | None,
    question_ids: list[str],
    open_period: int | None = None,
    retry_of: int | None = None,
) -> QuizRound:
    """A new round in this chat; a round still active there is abandoned."""
    previous = await active_round(session, chat_id)
    if previous is not None:
        await close_round(session, previous.id, "abandoned")
    quiz_round = QuizRound(
        chat_id=chat_id,
        user_id=user_id,
        kind=kind,
        status=ACTIVE,
        lang=lang,
        topic=topic,
        question_ids=question_ids,
        current=0,
        open_period=open_period,
        retry_of=retry_of,
        created_at=utcnow(),
    )
    session.add(quiz_round)
    await session.flush()
    return quiz_round


def record_poll(
    session: AsyncSession, quiz_round: QuizRound, poll_id: str, message_id: int, correct: int
) -> QuizPoll:
    poll = QuizPoll(
        poll_id=poll_id,
        round_id=quiz_round.id,
        position=quiz_round.current,
        message_id=message_id,
        correct_option=correct,
        sent_at=utcnow(),
    )
    session.add(poll)
    return poll


async def current_poll(session: AsyncSession, quiz_round: QuizRound) -> QuizPoll | None:
    """The latest poll sent for the question being asked, if it was sent."""
    return await session.scalar(
        select(QuizPoll)
        .where(QuizPoll.round_id == quiz_round.id, QuizPoll.position == quiz_round.current)
        .order_by(QuizPoll.sent_at.desc())
        .limit(1)
    )


async def asked_count(session: AsyncSession, quiz_round: QuizRound) -> int:
    """How many of the round's questions have been put to the chat."""
    return await session.scalar(
        select(func.count(distinct(QuizPoll.position))).where(QuizPoll.round_id == quiz_round.id)
    )


async def record_answer(
    session: AsyncSession, poll_id: str, user_id: int, first_name: str, option_ids: list[int]
) -> AnswerResult:
    poll = await session.get(QuizPoll, poll_id)
    if poll is None:
        return AnswerResult(Outcome.UNKNOWN_POLL)
    quiz_round = await session.get(QuizRound, poll.round_id)
    if quiz_round is None or quiz_round.status != ACTIVE:
        return AnswerResult(Outcome.ROUND_CLOSED, quiz_round)
    if not option_ids:
        return AnswerResult(Outcome.RETRACTED, quiz_round)
    if quiz_round.kind == "private" and (
        user_id != quiz_round.user_id or poll.position != quiz_round.current
    ):
        return AnswerResult(Outcome.STALE, quiz_round)
    result = await session.execute(
        insert_or(session, QuizAnswer)
        .values(
            round_id=quiz_round.id,
            position=poll.position,
            user_id=user_id,
            first_name=first_name[:128],
            poll_id=poll_id,
            option=option_ids[0],
            correct=option_ids[0] == poll.correct_option,
            created_at=utcnow(),
        )
        .on_conflict_do_nothing(index_elements=["round_id", "position", "user_id"])
    )
    if result.rowcount != 1:
        return AnswerResult(Outcome.DUPLICATE, quiz_round)
    return AnswerResult(Outcome.RECORDED, quiz_round, option_ids[0] == poll.correct_option)


def advance(quiz_round: QuizRound) -> bool:
    """On to the next question; False when the round has no more questions."""
    quiz_round.current += 1
    return quiz_round.current < quiz_round.total


async def _answers(session: AsyncSession, round_id: int) -> list[QuizAnswer]:
    rows = await session.scalars(
        select(QuizAnswer).where(QuizAnswer.round_id == round_id).order_by(QuizAnswer.id)
    )
    return list(rows)


async def summary(session: AsyncSession, quiz_round: QuizRound, bank: QuizBank) -> RoundSummary:
    """The trainee's score in a private round, per topic, and the questions they missed."""
    correct_at = {
        answer.position: answer.correct
        for answer in await _answers(session, quiz_round.id)
        if answer.user_id == quiz_round.user_id
    }
    return summarize(quiz_round.question_ids, correct_at, bank.topic_of)


async def standings(session: AsyncSession, quiz_round: QuizRound) -> list[Standing]:
    """A group round's leaderboard: correct answers per participant, by their latest name."""
    names: dict[int, str] = {}
    scores: dict[int, int] = {}
    for answer in await _answers(session, quiz_round.id):
        names[answer.user_id] = answer.first_name
        scores[answer.user_id] = scores.get(answer.user_id, 0) + int(answer.correct)
    return rank((names[user_id], score) for user_id, score in scores.items())


@dataclass(frozen=True)
class PastRound:
    round: QuizRound
    correct: int


async def past_rounds(session: AsyncSession, user_id: int, limit: int = 10) -> list[PastRound]:
    """The trainee's latest finished private rounds, newest first."""
    rounds = list(
        await session.scalars(
            select(QuizRound)
            .where(
                QuizRound.user_id == user_id,
                QuizRound.kind == "private",
                QuizRound.status == "finished",
            )
            .order_by(QuizRound.id.desc())
            .limit(limit)
        )
    )
    result = []
    for quiz_round in rounds:
        answers = await _answers(session, quiz_round.id)
        result.append(PastRound(quiz_round, sum(a.correct for a in answers)))
    return result


async def revise(session: AsyncSession, user_id: int, bank: QuizBank) -> list[tuple[str, int]]:
    """Topics with questions the trainee last answered wrongly in a private round, and how
    many such questions each has."""
    rows = await session.execute(
        select(QuizAnswer.position, QuizAnswer.correct, QuizRound.question_ids)
        .join(QuizRound, QuizRound.id == QuizAnswer.round_id)
        .where(QuizAnswer.user_id == user_id, QuizRound.kind == "private")
        .order_by(QuizAnswer.id)
    )
    history = [(question_ids[position], correct) for position, correct, question_ids in rows]
    return topics_to_revise(history, bank.topic_of)
