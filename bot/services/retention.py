"""How long voters' words are kept: questions, tickets and what was sent about them are
deleted after RETENTION_DAYS. A ticket still open or taken is kept until it is done."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from dataclasses import astuple, dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.db.models import (
    FaqSuggestion,
    Feedback,
    OutboxMessage,
    Question,
    Ticket,
    TicketLink,
    utcnow,
)
from bot.services.updates import forget_handled

log = logging.getLogger(__name__)

ACTIVE_TICKET = ("open", "taken")
UNSENT = ("pending", "sending")


@dataclass(frozen=True)
class Forgotten:
    questions: int
    tickets: int
    sent_messages: int


async def forget_older_than(
    session: AsyncSession, days: int, now: datetime | None = None
) -> Forgotten:
    """Delete what voters wrote, and what was sent, more than `days` days ago."""
    cutoff = (now or utcnow()) - timedelta(days=days)
    old_questions = select(Question.id).where(Question.created_at < cutoff)
    await session.execute(delete(Feedback).where(Feedback.question_id.in_(old_questions)))
    questions = await session.execute(delete(Question).where(Question.created_at < cutoff))
    old_tickets = select(Ticket.id).where(
        Ticket.created_at < cutoff, Ticket.status.not_in(ACTIVE_TICKET)
    )
    await session.execute(delete(TicketLink).where(TicketLink.ticket_id.in_(old_tickets)))
    await session.execute(delete(FaqSuggestion).where(FaqSuggestion.ticket_id.in_(old_tickets)))
    tickets = await session.execute(
        delete(Ticket).where(Ticket.created_at < cutoff, Ticket.status.not_in(ACTIVE_TICKET))
    )
    sent = await session.execute(
        delete(OutboxMessage).where(
            OutboxMessage.created_at < cutoff, OutboxMessage.status.not_in(UNSENT)
        )
    )
    await forget_handled(session, now)
    return Forgotten(questions.rowcount, tickets.rowcount, sent.rowcount)


class RetentionKeeper:
    """Forgets what is older than the retention period at start-up and once a day."""

    def __init__(self, session_factory: async_sessionmaker, days: int) -> None:
        self.session_factory = session_factory
        self.days = days
        self._task: asyncio.Task | None = None

    async def forget_now(self) -> Forgotten:
        async with self.session_factory() as session:
            forgotten = await forget_older_than(session, self.days)
            await session.commit()
        if any(astuple(forgotten)):
            log.info(
                "retention (%d days): deleted %d questions, %d tickets, %d sent messages",
                self.days,
                *astuple(forgotten),
            )
        return forgotten

    def start(self, every: float = 24 * 3600.0) -> None:
        self._task = asyncio.create_task(self._forever(every))

    async def stop(self) -> None:
        if self._task:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task

    async def _forever(self, every: float) -> None:
        while True:
            try:
                await self.forget_now()
            except Exception:  # a failed run is tried again the next day, not fatal
                log.exception("retention run failed")
            await asyncio.sleep(every)
