"""Tickets: questions handed to human operators. Plain data logic, no Telegram."""

from __future__ import annotations

import re
import statistics
from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.db.models import Ban, FaqSuggestion, Ticket, TicketLink, utcnow
from bot.services.questions import unanswered

ACTIVE = ("open", "taken", "answered")  # a user has at most one ticket in these states


async def active_ticket(session: AsyncSession, user_id: int) -> Ticket | None:
    return await session.scalar(
        select(Ticket).where(Ticket.user_id == user_id, Ticket.status.in_(ACTIVE))
    )


async def open_ticket(
    session: AsyncSession,
    user_id: int,
    lang: str,
    chat_id: int | None,
    question: str,
    guesses: list[str],
    first_name: str,
    username: str | None,
) -> tuple[Ticket, bool]:
    """The user's active ticket with this question added, or a new one in the operators'
    group `chat_id`. (ticket, created)"""
    ticket = await active_ticket(session, user_id)
    if ticket is not None:
        return ticket, False
    ticket = Ticket(
        user_id=user_id,
        status="open",
        lang=lang,
        chat_id=chat_id,
        question=question,
        guesses=guesses,
        first_name=first_name[:128],
        username=username,
    )
    session.add(ticket)
    await session.flush()
    return ticket, True


async def ticket_by_group_message(
    session: AsyncSession, chat_id: int, message_id: int
) -> Ticket | None:
    ticket_id = await session.scalar(
        select(TicketLink.ticket_id).where(
            TicketLink.chat_id == chat_id, TicketLink.message_id == message_id
        )
    )
    return await session.get(Ticket, ticket_id) if ticket_id else None


# A card, note or reminder opens with an emoji and its ticket's number: "🎫 #T12 · open".
_LEADING_NUMBER = re.compile(r"\W{0,3}\s*#T(\d+)\b")


async def ticket_named_in(session: AsyncSession, text: str) -> Ticket | None:
    """The ticket a bot message in the group is about, by the number it opens with."""
    found = _LEADING_NUMBER.match(text)
    return await session.get(Ticket, int(found.group(1))) if found else None


async def ticket_by_thread(session: AsyncSession, chat_id: int, thread_id: int) -> Ticket | None:
    return await session.scalar(
        select(Ticket).where(Ticket.chat_id == chat_id, Ticket.thread_id == thread_id)
    )


async def link(session: AsyncSession, chat_id: int, message_id: int, ticket_id: int) -> None:
    await session.merge(TicketLink(chat_id=chat_id, message_id=message_id, ticket_id=ticket_id))


def take(ticket: Ticket, operator_id: int, operator_name: str) -> bool:
    """False if someone else already has it or it is closed."""
    if ticket.status == "closed" or (ticket.operator_id and ticket.operator_id != operator_id):
        return False
    ticket.operator_id, ticket.operator_name = operator_id, operator_name[:128]
    if ticket.status == "open":
        ticket.status = "taken"
    ticket.taken_at = ticket.taken_at or utcnow()
    return True


def record_answer(ticket: Ticket, operator_id: int, operator_name: str) -> None:
    if ticket.operator_id is None:
        ticket.operator_id, ticket.operator_name = operator_id, operator_name[:128]
        ticket.taken_at = ticket.taken_at or utcnow()
    ticket.status = "answered"
    ticket.first_answer_at = ticket.first_answer_at or utcnow()


def close(ticket: Ticket) -> bool:
    if ticket.status == "closed":
        return False
    ticket.status = "closed"
    ticket.closed_at = utcnow()
    return True


async def reopen(session: AsyncSession, ticket: Ticket) -> bool:
    """Closed -> open again, unless the user has another active ticket meanwhile."""
    if ticket.status != "closed" or await active_ticket(session, ticket.user_id):
        return False
    ticket.status = (
        "answered" if ticket.first_answer_at else ("taken" if ticket.operator_id else "open")
    )
    ticket.closed_at = None
    return True


async def is_banned(session: AsyncSession, user_id: int) -> bool:
    return await session.get(Ban, user_id) is not None


async def ban(session: AsyncSession, user_id: int, by: int) -> bool:
    if await is_banned(session, user_id):
        return False
    session.add(Ban(user_id=user_id, banned_by=by))
    return True


async def unban(session: AsyncSession, user_id: int) -> bool:
    existing = await session.get(Ban, user_id)
    if existing is None:
        return False
    await session.delete(existing)
    return True


async def open_tickets(session: AsyncSession, chat_id: int) -> list[Ticket]:
    """The group's tickets nobody has answered yet, oldest first."""
    rows = await session.scalars(
        select(Ticket)
        .where(Ticket.chat_id == chat_id, Ticket.status.in_(("open", "taken")))
        .order_by(Ticket.created_at)
    )
    return list(rows)


async def due_reminders(session: AsyncSession, after: timedelta) -> list[Ticket]:
    """Tickets nobody took for `after`, not reminded within `after` either.

    Locked until the caller's transaction ends. On PostgreSQL a ticket that another
    transaction holds is waited for and then looked at again as that one left it, so with
    several instances each reminder is raised once, by whichever looked first. Not SKIP LOCKED:
    that would also pass over a ticket that a handler or a delivery hook happens to be updating
    (CI saw it: a reminder due was not raised). SQLite, one process, renders no lock."""
    cutoff = utcnow() - after
    rows = await session.scalars(
        select(Ticket)
        .where(
            Ticket.status == "open",
            Ticket.created_at <= cutoff,
            (Ticket.reminded_at.is_(None)) | (Ticket.reminded_at <= cutoff),
        )
        .with_for_update()
    )
    return list(rows)


async def add_suggestion(
    session: AsyncSession, ticket: Ticket, answer: str, operator_id: int
) -> FaqSuggestion:
    suggestion = FaqSuggestion(
        ticket_id=ticket.id,
        lang=ticket.lang,
        question=ticket.question,
        answer=answer,
        operator_id=operator_id,
    )
    session.add(suggestion)
    return suggestion


@dataclass(frozen=True)
class DeskStats:
    tickets_today: int
    open_now: int
    median_first_answer: timedelta | None
    top_unanswered: list[tuple[str, int]]


async def stats(
    session: AsyncSession, chat_id: int, langs: Collection[str], now: datetime | None = None
) -> DeskStats:
    """One group's figures: its tickets, and the unanswered questions in `langs`, the
    languages of its voters."""
    now = now or utcnow()
    midnight = now.replace(hour=0, minute=0, second=0, microsecond=0)
    in_group = Ticket.chat_id == chat_id
    today = list(
        await session.scalars(select(Ticket).where(in_group, Ticket.created_at >= midnight))
    )
    waits = [t.first_answer_at - t.created_at for t in today if t.first_answer_at]
    open_now = await session.scalar(
        select(func.count())
        .select_from(Ticket)
        .where(in_group, Ticket.status.in_(("open", "taken")))
    )
    top = await unanswered(session, since=now - timedelta(days=7), langs=langs)
    return DeskStats(
        tickets_today=len(today),
        open_now=open_now or 0,
        median_first_answer=statistics.median(waits) if waits else None,
        top_unanswered=[(text, count) for text, _, count in top],
    )
