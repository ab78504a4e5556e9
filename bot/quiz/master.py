"""The quiz on Telegram: asking quiz polls, moving on when they are answered, and running
workshop rounds in groups.

Polls go through the outbox like everything else the bot says, so they keep Telegram's limits
and the worker's retries. Answers refer to the poll id that Telegram returns: the poll is stored
with its round when the worker reports it sent (bot/quiz/hooks.py), and only then can it be
answered or a group round's clock start.

A private round moves on when the trainee answers. A group round is a task that posts a poll,
waits for it to close (open_period) and posts the next; its progress is in the database, so
after a restart the task picks the round up again, or, if the bot was away too long for the
workshop to still be waiting, ends it with the leaderboard so far.
"""

from __future__ import annotations

import asyncio
import html
import logging
import random
from datetime import timedelta

from aiogram.types import InlineKeyboardMarkup, PollAnswer
from aiogram.utils.i18n import I18n
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.config import Settings
from bot.db.engine import after_commit
from bot.db.models import QuizPoll, QuizRound, utcnow
from bot.outbox import Outbox, Purpose, queue
from bot.quiz import GroupRoundSpec, QuizBank, rounds
from bot.quiz.keyboards import quiz_results_keyboard
from bot.quiz.loader import QUESTION_LIMIT

log = logging.getLogger(__name__)

FEATURE = "quiz"  # a poll's outbox row carries Purpose("quiz", "poll", round id)
# How often a group round looks whether its poll has been sent.
SENT_POLL_INTERVAL = 0.1
# A group round found active at start-up goes on only if its current poll closed less than
# this long ago: after a longer outage the workshop has moved on.
STALE_AFTER = timedelta(minutes=10)
LEADERBOARD_SIZE = 30
MEDALS = {1: "🥇", 2: "🥈", 3: "🥉"}


class QuizMaster:
    def __init__(self, settings: Settings, bank: QuizBank, outbox: Outbox, i18n: I18n) -> None:
        self.bank = bank
        self.outbox = outbox
        self.i18n = i18n
        self.round_size = settings.quiz_round_size
        self.min_seconds = settings.quiz_min_seconds
        self.pause = settings.quiz_pause_seconds
        self.rng = random.SystemRandom()
        self._sessions: async_sessionmaker | None = None
        self._tasks: dict[int, asyncio.Task] = {}

    # --- lifecycle ------------------------------------------------------------------------
    async def start(self, session_factory: async_sessionmaker) -> None:
        """Pick up the group rounds that were running when the bot stopped."""
        self._sessions = session_factory
        async with session_factory() as session:
            for quiz_round in await rounds.active_group_rounds(session):
                poll = await rounds.current_poll(session, quiz_round)
                since = quiz_round.created_at
                if poll is not None:
                    since = poll.sent_at + timedelta(seconds=quiz_round.open_period or 0)
                if utcnow() - since > STALE_AFTER:
                    log.warning("group quiz round %s: too old to go on, ending it", quiz_round.id)
                    await self.end_group(session, quiz_round, "abandoned")
                else:
                    self._launch(quiz_round.id)
            await session.commit()

    async def stop(self) -> None:
        """Stop the group tasks; their rounds stay active and go on at the next start."""
        tasks = list(self._tasks.values())
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)

    # --- polls ----------------------------------------------------------------------------
    @staticmethod
    def poll_purpose(quiz_round: QuizRound) -> Purpose:
        return Purpose(FEATURE, "poll", quiz_round.id)

    def askable(self, quiz_round: QuizRound) -> bool:
        """False if the current question was edited out of the bank since the round began."""
        return quiz_round.question_ids[quiz_round.current] in self.bank.questions

    def ask(
        self,
        session: AsyncSession,
        quiz_round: QuizRound,
        lang: str,
        reply_markup: InlineKeyboardMarkup | None = None,
    ) -> None:
        """Queue the round's current question as a quiz poll."""
        question = self.bank.shuffled(quiz_round.question_ids[quiz_round.current], lang, self.rng)
        numbered = f"{quiz_round.current + 1}/{quiz_round.total}. {question.question}"
        self.outbox.call(
            session,
            "sendPoll",
            quiz_round.chat_id,
            self.poll_purpose(quiz_round),
            question=numbered if len(numbered) <= QUESTION_LIMIT else question.question,
            options=question.options,
            type="quiz",
            is_anonymous=False,
            correct_option_id=question.correct,
            explanation=question.explanation,
            # Plain text: the bank is not HTML, whatever the bot's default parse mode.
            question_parse_mode=None,
            explanation_parse_mode=None,
            open_period=quiz_round.open_period,
            reply_markup=reply_markup,
        )

    def not_sent(self, session: AsyncSession, quiz_round: QuizRound) -> None:
        """Telegram refused a private round's poll: the round stays where it is."""
        text = self.i18n.gettext(
            "I could not send the question. Send /quiz to try again.", locale=quiz_round.lang
        )
        self.outbox.send_message(session, quiz_round.chat_id, text)

    # --- a trainee's round in a private chat ----------------------------------------------
    async def begin_private(
        self,
        session: AsyncSession,
        user_id: int,
        lang: str,
        question_ids: list[str],
        topic: str | None,
        retry_of: int | None = None,
    ) -> None:
        quiz_round = await rounds.start_round(
            session,
            chat_id=user_id,
            user_id=user_id,
            kind="private",
            lang=lang,
            topic=topic,
            question_ids=question_ids,
            retry_of=retry_of,
        )
        await self.ask_private(session, quiz_round, lang)

    async def ask_private(
        self,
        session: AsyncSession,
        quiz_round: QuizRound,
        lang: str,
        reply_markup: InlineKeyboardMarkup | None = None,
    ) -> None:
        gettext = self.i18n.gettext
        if not self.askable(quiz_round):
            await rounds.close_round(session, quiz_round.id, "abandoned")
            text = gettext(
                "The quiz questions have been updated, so this round cannot go on. "
                "Send /quiz to start a new one.",
                locale=lang,
            )
            self.outbox.send_message(session, quiz_round.chat_id, text)
            return
        self.ask(session, quiz_round, lang, reply_markup)

    async def on_answer(self, session: AsyncSession, answer: PollAnswer, lang: str) -> None:
        """A poll answer: recorded once; in a private round, the next question or the end."""
        if answer.user is None:  # an anonymous group admin answering as the group
            return
        result = await rounds.record_answer(
            session, answer.poll_id, answer.user.id, answer.user.first_name, answer.option_ids
        )
        if result.outcome is not rounds.Outcome.RECORDED:
            log.debug("poll %s answer from %s: %s", answer.poll_id, answer.user.id, result.outcome)
            return
        quiz_round = result.round
        assert quiz_round is not None
        if quiz_round.kind != "private":
            return
        if not result.correct:
            self._name_right_option(session, quiz_round, lang)
        if rounds.advance(quiz_round):
            await self.ask_private(session, quiz_round, lang)
        elif await rounds.close_round(session, quiz_round.id, "finished"):
            await self._send_results(session, quiz_round, lang)

    def _name_right_option(self, session: AsyncSession, quiz_round: QuizRound, lang: str) -> None:
        """After a wrong answer: the poll marks the right option, and this names it in words,
        before the next question."""
        right = self.bank.right_option(quiz_round.question_ids[quiz_round.current], lang)
        if right is not None:
            text = self.i18n.gettext("❌ The right answer: {option}", locale=lang)
            self.outbox.send_message(
                session, quiz_round.chat_id, text.format(option=html.escape(right))
            )

    async def _send_results(self, session: AsyncSession, quiz_round: QuizRound, lang: str) -> None:
        gettext = self.i18n.gettext
        summary = await rounds.summary(session, quiz_round, self.bank)
        lines = [
            gettext("🏁 Quiz finished: {correct} of {total} correct.", locale=lang).format(
                correct=summary.correct, total=summary.total
            ),
            "",
            gettext("By topic:", locale=lang),
        ]
        for score in summary.topics:
            mark = "✅" if score.correct == score.total else "⚠️"
            title = html.escape(self.bank.topic_title(score.topic, lang))
            lines.append(f"{mark} {title}: {score.correct}/{score.total}")
        weak = [s.topic for s in summary.topics if s.correct < s.total]
        lines.append("")
        if weak:
            titles = ", ".join(html.escape(self.bank.topic_title(t, lang)) for t in weak)
            lines.append(gettext("Topics to revise: {topics}.", locale=lang).format(topics=titles))
        else:
            lines.append(gettext("No mistakes. Well done!", locale=lang))
        self.outbox.send_message(
            session,
            quiz_round.chat_id,
            "\n".join(lines),
            reply_markup=quiz_results_keyboard(quiz_round.id, len(summary.missed)),
        )

    # --- a workshop round in a group ------------------------------------------------------
    async def begin_group(
        self,
        session: AsyncSession,
        chat_id: int,
        trainer_id: int,
        lang: str,
        spec: GroupRoundSpec,
    ) -> None:
        question_ids = self.bank.pick(spec.topic, spec.count, self.rng)
        quiz_round = await rounds.start_round(
            session,
            chat_id=chat_id,
            user_id=trainer_id,
            kind="group",
            lang=lang,
            topic=spec.topic,
            question_ids=question_ids,
            open_period=spec.seconds,
        )
        text = self.i18n.gettext(
            "📋 Quiz: {topic}. Questions: {count}, {seconds} s for each. Answer the polls; "
            "the leaderboard comes at the end.",
            locale=lang,
        ).format(
            topic=html.escape(self.topic_title(spec.topic, lang)),
            count=len(question_ids),
            seconds=spec.seconds,
        )
        self.outbox.send_message(session, chat_id, text)
        round_id = quiz_round.id
        after_commit(session, lambda: self._launch(round_id))  # the task reads the stored round

    async def stop_group(self, session: AsyncSession, quiz_round: QuizRound) -> None:
        """The trainer's /stopquiz: the open poll closes, the leaderboard so far is posted."""
        task = self._tasks.pop(quiz_round.id, None)
        if task is not None:
            task.cancel()
        poll = await rounds.current_poll(session, quiz_round)
        if poll is not None and poll.sent_at + self._period(quiz_round) > utcnow():
            self.outbox.call(session, "stopPoll", quiz_round.chat_id, message_id=poll.message_id)
        await self.end_group(session, quiz_round, "stopped")

    def topic_title(self, topic: str | None, lang: str) -> str:
        if topic is None:
            return self.i18n.gettext("All topics", locale=lang)
        return self.bank.topic_title(topic, lang)

    @staticmethod
    def _period(quiz_round: QuizRound) -> timedelta:
        return timedelta(seconds=quiz_round.open_period or 0)

    def _launch(self, round_id: int) -> None:
        task = asyncio.create_task(self._run_group(round_id), name=f"quiz-{round_id}")
        self._tasks[round_id] = task
        task.add_done_callback(lambda _: self._forget(round_id, task))

    def _forget(self, round_id: int, task: asyncio.Task) -> None:
        if self._tasks.get(round_id) is task:
            del self._tasks[round_id]

    async def _run_group(self, round_id: int) -> None:
        try:
            while await self._group_step(round_id):
                pass
        except asyncio.CancelledError:
            raise
        except Exception:  # one broken round must not take the others down
            log.exception("group quiz round %s failed", round_id)

    async def _group_step(self, round_id: int) -> bool:
        """Ask the current question unless it was asked, wait until its poll is sent and
        closes, then move on. False when the round is over."""
        assert self._sessions is not None
        async with self._sessions() as session:
            quiz_round = await session.get(QuizRound, round_id)
            if quiz_round is None or quiz_round.status != rounds.ACTIVE:
                return False
            poll = await rounds.current_poll(session, quiz_round)
        if poll is None:
            if quiz_round.current == 0:
                await asyncio.sleep(self.pause)  # the announcement first
            async with self._sessions() as session:
                quiz_round = await session.get(QuizRound, round_id)
                if quiz_round is None or quiz_round.status != rounds.ACTIVE:
                    return False
                if not self.askable(quiz_round):
                    await self.end_group(session, quiz_round, "abandoned")
                    await session.commit()
                    return False
                if not await queue.queued(session, self.poll_purpose(quiz_round)):
                    self.ask(session, quiz_round, quiz_round.lang)  # else queued before a restart
                    await session.commit()
            poll = await self._sent_poll(round_id)
            if poll is None:
                return False
        closes_at = poll.sent_at + self._period(quiz_round)
        await asyncio.sleep(max(0.0, (closes_at - utcnow()).total_seconds()))
        last = quiz_round.current + 1 >= quiz_round.total
        if last:
            await asyncio.sleep(self.pause)  # answers sent as the poll closed still count
        async with self._sessions() as session:
            quiz_round = await session.get(QuizRound, round_id)
            if quiz_round is None or quiz_round.status != rounds.ACTIVE:
                return False
            if last:
                await self.end_group(session, quiz_round, "finished")
            else:
                rounds.advance(quiz_round)
            await session.commit()
        return not last

    async def _sent_poll(self, round_id: int) -> QuizPoll | None:
        """The current question's poll once the worker has sent it; None if the round ends
        first (refused by Telegram, stopped), or if the poll is still not out after
        STALE_AFTER, when the workshop has moved on."""
        assert self._sessions is not None
        deadline = utcnow() + STALE_AFTER
        while True:
            await asyncio.sleep(SENT_POLL_INTERVAL)
            async with self._sessions() as session:
                quiz_round = await session.get(QuizRound, round_id)
                if quiz_round is None or quiz_round.status != rounds.ACTIVE:
                    return None
                poll = await rounds.current_poll(session, quiz_round)
                if poll is not None:
                    return poll
                if utcnow() > deadline:
                    log.warning("group quiz round %s: its poll was not sent in time", round_id)
                    await self.end_group(session, quiz_round, "abandoned")
                    await session.commit()
                    return None

    async def end_group(self, session: AsyncSession, quiz_round: QuizRound, status: str) -> None:
        """Close the round and post the leaderboard, once, whoever gets here first."""
        asked = await rounds.asked_count(session, quiz_round)
        if not await rounds.close_round(session, quiz_round.id, status):
            return
        gettext = self.i18n.gettext
        lang = quiz_round.lang
        if status == "finished":
            headline = gettext("🏁 The quiz is over. Questions: {total}.", locale=lang)
        elif status == "stopped":
            headline = gettext(
                "⏹ The quiz was stopped after {asked} of {total} questions.", locale=lang
            )
        else:
            headline = gettext(
                "⏹ The quiz could not go on and has ended after {asked} of {total} questions.",
                locale=lang,
            )
        lines = [headline.format(asked=asked, total=quiz_round.total), ""]
        standings = await rounds.standings(session, quiz_round)
        if not standings:
            lines.append(gettext("Nobody answered.", locale=lang))
        else:
            lines.append(gettext("Leaderboard:", locale=lang))
            for standing in standings[:LEADERBOARD_SIZE]:
                place = MEDALS.get(standing.place, f"{standing.place}.")
                name = html.escape(standing.first_name)
                lines.append(f"{place} {name} — {standing.correct}")
            if len(standings) > LEADERBOARD_SIZE:
                lines.append("…")
        self.outbox.send_message(session, quiz_round.chat_id, "\n".join(lines))
