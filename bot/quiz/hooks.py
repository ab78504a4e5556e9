"""What the quiz does when the delivery worker reports back on a poll: a sent poll is stored
with its round (from then on it can be answered, and a group round's clock runs); a refused one
ends a group round or tells the trainee; a trainee who blocked the bot ends their round."""

from __future__ import annotations

from typing import Any

from aiogram.exceptions import TelegramBadRequest
from sqlalchemy.ext.asyncio import AsyncSession

from bot.db.models import OutboxMessage, QuizRound
from bot.outbox import DeliveryHooks, Purpose
from bot.quiz import rounds
from bot.quiz.master import QuizMaster


class QuizHooks(DeliveryHooks):
    """The quiz's delivery hooks, registered for the purposes of bot.quiz.master.FEATURE."""

    def __init__(self, quizmaster: QuizMaster) -> None:
        self.quizmaster = quizmaster

    async def _round(self, session: AsyncSession, purpose: Purpose) -> QuizRound | None:
        return await session.get(QuizRound, purpose.ref) if purpose.kind == "poll" else None

    async def on_sent(
        self, session: AsyncSession, row: OutboxMessage, purpose: Purpose, result: Any
    ) -> None:
        quiz_round = await self._round(session, purpose)
        if quiz_round is None or result.poll is None:
            return
        if quiz_round.status != rounds.ACTIVE:
            # The round ended while its poll waited to go: nobody should answer it in vain.
            self.quizmaster.outbox.call(
                session, "stopPoll", row.chat_id, message_id=result.message_id
            )
            return
        # The round stands at this poll's question: it moves on only once the poll is answered
        # (private) or has closed (group), and both need the poll stored first.
        rounds.record_poll(
            session, quiz_round, result.poll.id, result.message_id, row.params["correct_option_id"]
        )

    async def on_blocked(self, session: AsyncSession, row: OutboxMessage, purpose: Purpose) -> None:
        quiz_round = await self._round(session, purpose)
        if quiz_round is not None:
            await rounds.close_round(session, quiz_round.id, "abandoned")

    async def on_bad_request(
        self,
        session: AsyncSession,
        row: OutboxMessage,
        purpose: Purpose,
        error: TelegramBadRequest,
    ) -> bool:
        quiz_round = await self._round(session, purpose)
        if quiz_round is None or quiz_round.status != rounds.ACTIVE:
            return False
        if quiz_round.kind == "group":
            await self.quizmaster.end_group(session, quiz_round, "abandoned")
        else:
            self.quizmaster.not_sent(session, quiz_round)
        return False  # still worth an error in the log: a question Telegram will not take
