"""The durable outbox: every message the bot sends is first a row here.

Handlers write rows in their own transaction (so a message exists exactly when the state change
that caused it does); the delivery worker (bot/outbox/worker.py) sends them. The worker is woken as
soon as a transaction that wrote to the outbox commits.
"""

from __future__ import annotations

import asyncio
from collections.abc import Collection
from datetime import datetime
from typing import Any

from sqlalchemy import Integer, Row, and_, bindparam, func, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.db.engine import after_commit
from bot.db.models import OutboxMessage, utcnow
from bot.outbox.purpose import Purpose


def _given(name: str, value: Any) -> bool:
    """None leaves a parameter out, except a parse mode: there None means plain text, where
    leaving it out would apply the bot's default (HTML)."""
    return value is not None or name.endswith("parse_mode")


def _plain(value: Any) -> Any:
    """Keyboards and other API objects as the JSON that the Bot API receives."""
    if hasattr(value, "model_dump"):
        return value.model_dump(mode="json", exclude_none=True)
    return value


class Outbox:
    def __init__(self) -> None:
        self.wakeup = asyncio.Event()

    def call(
        self,
        session: AsyncSession,
        method: str,
        chat_id: int,
        purpose: Purpose | None = None,
        *,
        lane: int = 0,
        **params: Any,
    ) -> OutboxMessage:
        """Queue one Bot API call. Rows of one chat and `lane` go in the order queued; in a
        group, rows of different lanes may go side by side (see `_sendable`)."""
        row = OutboxMessage(
            chat_id=chat_id,
            lane=lane,
            method=method,
            params={
                "chat_id": chat_id,
                **{k: _plain(v) for k, v in params.items() if _given(k, v)},
            },
            purpose=str(purpose) if purpose else None,
            status="pending",
            attempts=0,
            next_attempt_at=utcnow(),
        )
        session.add(row)
        after_commit(session, self.wakeup.set)
        return row

    def send_message(
        self,
        session: AsyncSession,
        chat_id: int,
        text: str,
        purpose: Purpose | None = None,
        **params: Any,
    ) -> OutboxMessage:
        return self.call(session, "sendMessage", chat_id, purpose, text=text, **params)

    def copy_message(
        self,
        session: AsyncSession,
        chat_id: int,
        from_chat_id: int,
        message_id: int,
        purpose: Purpose | None = None,
        **params: Any,
    ) -> OutboxMessage:
        return self.call(
            session,
            "copyMessage",
            chat_id,
            purpose,
            from_chat_id=from_chat_id,
            message_id=message_id,
            **params,
        )


# Sending or waiting: a lane's messages go out in order, one at a time.
_QUEUED = ("pending", "sending")

# Methods whose rows only set a state (a card's text, a topic's name). They do not take part in
# a chat's message order: they go when the chat has no message waiting, and when a newer row
# for the same purpose is queued the older one is skipped, so that a backlog in a busy group
# delivers new tickets first and does not replay every intermediate state.
LATEST_ONLY = ("editMessageText", "editForumTopic")


def _sendable():
    """Rows that may go next: the first queued message of each chat's lane; or, in a chat with
    no message queued, the first queued state update of each lane.

    A private chat has one lane. A group's cards for different tickets are in different lanes,
    so that a burst of them can go out several at a time (the worker's GROUP_PARALLEL) while
    the messages of one ticket keep their order: a voter's follow-up cannot overtake the card
    it is to reply to."""
    queued = OutboxMessage.status.in_(_QUEUED)
    is_update = OutboxMessage.method.in_(LATEST_ONLY)
    lanes = (OutboxMessage.chat_id, OutboxMessage.lane)
    first_message = select(func.min(OutboxMessage.id)).where(queued, ~is_update)
    first_update = select(func.min(OutboxMessage.id)).where(queued, is_update)
    chats_with_messages = select(OutboxMessage.chat_id).where(queued, ~is_update)
    return and_(
        OutboxMessage.status == "pending",
        or_(
            OutboxMessage.id.in_(first_message.group_by(*lanes)),
            and_(
                OutboxMessage.id.in_(first_update.group_by(*lanes)),
                OutboxMessage.chat_id.not_in(chats_with_messages),
            ),
        ),
    )


# Built once: the delivery loop runs these at every wake-up (under the escalation benchmark it
# was half the event loop's time, py-spy), and building them took 0.2 ms a time each, with
# SQLAlchemy working out their cache keys anew; a built statement keeps its key.
_SENDABLE = _sendable()
_DUE = (
    select(
        OutboxMessage.id,
        OutboxMessage.chat_id,
        OutboxMessage.lane,
        OutboxMessage.method,
        OutboxMessage.purpose,
    )
    .where(_SENDABLE, OutboxMessage.next_attempt_at <= bindparam("now"))
    .order_by(OutboxMessage.id)
    .limit(bindparam("limit", type_=Integer))
    # PostgreSQL: rows another instance is claiming right now are passed over, not waited
    # for (its claim would win anyway). SQLite has no row locks and renders nothing here.
    .with_for_update(skip_locked=True)
)
_NEXT_DUE = select(func.min(OutboxMessage.next_attempt_at)).where(_SENDABLE)


async def due_messages(session: AsyncSession, now: datetime, limit: int) -> list[Row]:
    """What may be sent now, oldest first: at most one message or state update per lane.

    Looking only at each lane's head keeps its order (a message waiting for a retry holds back
    the ones after it) and keeps a backlog in one chat from hiding the others. The rows are
    light (id, chat_id, lane, method, purpose): the worker looks at hundreds to start a few, and
    loads only those in full (`load`); loading every one measured most of its loop's time."""
    return list(await session.execute(_DUE, {"now": now, "limit": limit}))


async def load(session: AsyncSession, ids: list[int]) -> list[OutboxMessage]:
    """The full rows of these ids, in the order given."""
    if not ids:
        return []
    found = await session.scalars(select(OutboxMessage).where(OutboxMessage.id.in_(ids)))
    by_id = {row.id: row for row in found}
    return [by_id[i] for i in ids if i in by_id]


async def next_due_at(session: AsyncSession) -> datetime | None:
    return await session.scalar(_NEXT_DUE)


async def superseded(session: AsyncSession, row: OutboxMessage | Row) -> bool:
    """A state-setting row with a newer one queued for the same purpose."""
    if row.method not in LATEST_ONLY or row.purpose is None:
        return False
    newer = await session.scalar(
        select(OutboxMessage.id)
        .where(
            OutboxMessage.chat_id == row.chat_id,
            OutboxMessage.method == row.method,
            OutboxMessage.purpose == row.purpose,
            OutboxMessage.status == "pending",
            OutboxMessage.id > row.id,
        )
        .limit(1)
    )
    return newer is not None


async def claim(session: AsyncSession, row_id: int, instance: str | None = None) -> bool:
    """Pending -> sending by `instance`, atomically: whoever claims a row is the only one to
    send it."""
    result = await session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.id == row_id, OutboxMessage.status == "pending")
        .values(status="sending", claimed_by=instance)
    )
    return result.rowcount == 1


async def claimants(session: AsyncSession) -> set[str | None]:
    """The instances sending rows now (None: a row claimed before claims were signed)."""
    found = await session.scalars(
        select(OutboxMessage.claimed_by).where(OutboxMessage.status == "sending").distinct()
    )
    return set(found)


async def release_interrupted(
    session: AsyncSession,
    ids: Collection[int] | None = None,
    claimants: Collection[str | None] | None = None,
) -> int:
    """Rows being sent whose sends were cut off are pending again: those of claimants that
    died (the instances' own judgement, bot/outbox/instances.py), or these ids, whose sends a
    stop cancelled; with neither, every one."""
    where = [OutboxMessage.status == "sending"]
    if ids is not None:
        where.append(OutboxMessage.id.in_(ids))
    if claimants is not None:
        named = [claimant for claimant in claimants if claimant is not None]
        signed = OutboxMessage.claimed_by.in_(named)
        unsigned = OutboxMessage.claimed_by.is_(None)
        where.append(or_(signed, unsigned) if None in claimants else signed)
    values = {"status": "pending", "claimed_by": None}
    result = await session.execute(update(OutboxMessage).where(*where).values(**values))
    return result.rowcount


async def mark_sent(session: AsyncSession, row_id: int, message_id: int | None) -> None:
    await session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.id == row_id)
        .values(status="sent", sent_at=utcnow(), result_message_id=message_id)
    )


async def reschedule(session: AsyncSession, row_id: int, at: datetime, error: str) -> None:
    await session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.id == row_id)
        .values(
            status="pending",
            next_attempt_at=at,
            last_error=error[:500],
            attempts=OutboxMessage.attempts + 1,
        )
    )


async def waiting_for(session: AsyncSession, chat_id: int) -> int:
    """Messages queued for a chat and not yet sent (including those being sent); not state
    updates, which wait until the chat's messages are out."""
    count = await session.scalar(
        select(func.count())
        .select_from(OutboxMessage)
        .where(
            OutboxMessage.chat_id == chat_id,
            OutboxMessage.status.in_(_QUEUED),
            OutboxMessage.method.not_in(LATEST_ONLY),
        )
    )
    return count or 0


async def backlog(session: AsyncSession) -> tuple[int, datetime | None]:
    """Messages queued and not yet sent, and when the oldest of them was queued."""
    count, oldest = (
        await session.execute(
            select(func.count(), func.min(OutboxMessage.created_at)).where(
                OutboxMessage.status.in_(_QUEUED)
            )
        )
    ).one()
    return count, oldest


async def resume_chat(session: AsyncSession, chat_id: int, now: datetime) -> int:
    """Make every row kept for a chat due now (the chat can be reached again); each still goes
    in its turn, oldest first. Returns how many."""
    result = await session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.chat_id == chat_id, OutboxMessage.status == "pending")
        .values(next_attempt_at=now)
    )
    return result.rowcount


async def mark_failed(session: AsyncSession, row_id: int, status: str, error: str) -> None:
    await session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.id == row_id)
        .values(status=status, last_error=error[:500], attempts=OutboxMessage.attempts + 1)
    )


async def queued(session: AsyncSession, purpose: Purpose) -> bool:
    """Whether a row for this purpose is waiting to be sent or being sent."""
    found = await session.scalar(
        select(OutboxMessage.id)
        .where(OutboxMessage.purpose == str(purpose), OutboxMessage.status.in_(_QUEUED))
        .limit(1)
    )
    return found is not None
