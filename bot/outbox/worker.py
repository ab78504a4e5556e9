"""The delivery worker: sends the outbox, paced to Telegram's limits, until each row is sent.

- 429: wait `retry_after` (and pause that chat), then retry.
- 5xx, network errors, timeouts: retry with exponential back-off.
- 403 from a user: they blocked the bot; the row and the user are marked "blocked" and the
  hooks are told.
- An operators' group unreachable (bot removed, chat gone): one clear log line, the desk is
  told (it tells the admins), the rows are kept and retried every few minutes, and all go out
  at once when the bot is let back in, so nothing is lost.
- Rows survive restarts: whatever is pending when the process dies is sent after it starts.

Each row is claimed (pending -> sending) in its own transaction before it is sent, so no row is
sent twice by a running bot. It is marked sent right after Telegram accepts it; the only
duplicate possible is a crash in the instant between those two steps, after which the row is
sent again (Telegram offers no idempotency key to close that gap).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections import Counter
from collections.abc import Awaitable, Callable, Iterable, Iterator
from datetime import timedelta
from typing import Any

from aiogram import Bot, methods
from aiogram.exceptions import (
    TelegramAPIError,
    TelegramBadRequest,
    TelegramForbiddenError,
    TelegramNetworkError,
    TelegramRetryAfter,
    TelegramServerError,
)
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.db.models import OutboxMessage, utcnow
from bot.outbox import queue
from bot.outbox.hooks import HooksRegistry
from bot.outbox.instances import SoleInstance
from bot.outbox.pacing import Pacer
from bot.services.metrics import Metrics
from bot.services.users import mark_blocked

log = logging.getLogger(__name__)

MAX_BACKOFF = 60.0
UNREACHABLE_RETRY = 300.0
MAX_IN_FLIGHT = 16
# Messages in flight at once to one group, each in a lane of its own (bot/outbox/queue.py): a
# card takes about a tenth of a second to send, so one at a time a group's 20 a minute would
# take two seconds of every minute; a private chat's one lane goes one at a time.
GROUP_PARALLEL = 3


ReachabilityListener = Callable[[AsyncSession, int, bool], Awaitable[None]]


class OperatorsChats:
    """Whether each operators' group can be reached, as last seen by the bot (a failed or a
    successful send, the bot's own membership changing). A change is recorded in the caller's
    transaction: the listeners (the desk, which tells the admins) queue what it means there,
    and on the way back every row kept for the group becomes due at once."""

    def __init__(self, chat_ids: Iterable[int]) -> None:
        self._reachable = dict.fromkeys(chat_ids, True)
        self._listeners: list[ReachabilityListener] = []

    def __contains__(self, chat_id: object) -> bool:
        return chat_id in self._reachable

    def __iter__(self) -> Iterator[int]:
        return iter(self._reachable)

    def reachable(self, chat_id: int) -> bool:
        return self._reachable.get(chat_id, False)

    def listen(self, listener: ReachabilityListener) -> None:
        self._listeners.append(listener)

    async def set_reachable(self, session: AsyncSession, chat_id: int, reachable: bool) -> bool:
        """Record what was seen of one group; True when it is a change."""
        if chat_id not in self._reachable or reachable == self._reachable[chat_id]:
            return False
        self._reachable[chat_id] = reachable
        if reachable:
            kept = await queue.resume_chat(session, chat_id, utcnow())
            log.warning("operators chat %s is reachable again; delivering %d kept", chat_id, kept)
        for listener in self._listeners:
            await listener(session, chat_id, reachable)
        return True


def shuts_the_bot_out(error: TelegramAPIError) -> bool:
    """Telegram's word that the bot cannot post in the chat (removed, never added, the chat
    gone), as against a failure that says nothing about the chat (5xx, the network)."""
    if isinstance(error, TelegramForbiddenError):
        return True
    return isinstance(error, TelegramBadRequest) and "chat not found" in error.message.lower()


def _api_method(row: OutboxMessage) -> methods.TelegramMethod:
    name = row.method[0].upper() + row.method[1:]
    return getattr(methods, name)(**row.params)


def _message_id(result: Any) -> int | None:
    return getattr(result, "message_id", None) or getattr(result, "message_thread_id", None)


class DeliveryWorker:
    def __init__(
        self,
        session_factory: async_sessionmaker,
        box: queue.Outbox,
        pacer: Pacer,
        hooks: HooksRegistry,
        operators: OperatorsChats,
        metrics: Metrics | None = None,
        instances: SoleInstance | None = None,
        sweep_every: float = 5.0,
    ) -> None:
        self.metrics = metrics or Metrics()
        self.instances = instances or SoleInstance()
        self.sweep_every = sweep_every
        self._sweeping: asyncio.Task | None = None
        self.session_factory = session_factory
        self.outbox = box
        self.pacer = pacer
        self.hooks = hooks
        self.operators = operators
        self._in_flight: set[int] = set()
        self._busy_lanes: set[tuple[int, int]] = set()
        self._busy_chats: Counter[int] = Counter()
        self._tasks: set[asyncio.Task] = set()
        self._loop_task: asyncio.Task | None = None

    # --- lifecycle ------------------------------------------------------------------------
    async def start(self, bot: Bot) -> None:
        await self.instances.start()
        await self._release_the_deads_rows()
        self._loop_task = asyncio.create_task(self._run(bot), name="delivery")
        self._sweeping = asyncio.create_task(self._sweep_forever(), name="delivery-sweep")

    async def _release_the_deads_rows(self) -> None:
        """Rows that a process which died was sending go again (at start-up: the previous
        process's; later, with several instances, those of an instance that was lost)."""
        async with self.session_factory() as session:
            dead = await self.instances.dead(await queue.claimants(session))
            released = await queue.release_interrupted(session, claimants=dead) if dead else 0
            await session.commit()
        if released:
            log.warning(
                "%d message(s) were being sent by a process that stopped; sending again", released
            )

    async def _sweep_forever(self) -> None:
        """Apart from the delivery loop: asking Redis may take seconds when it is down."""
        while True:
            await asyncio.sleep(self.sweep_every)
            try:
                await self._release_the_deads_rows()
            except Exception:  # a failed look is retried at the next sweep
                log.exception("looking for the rows of stopped instances failed")

    async def stop(self, drain_seconds: float = 5.0) -> None:
        with contextlib.suppress(TimeoutError):
            await self.idle(timeout=drain_seconds)
        for task in (self._loop_task, self._sweeping):
            if task:
                task.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await task
        cut_short = set(self._in_flight)
        for task in list(self._tasks):
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        if cut_short:
            # Whether Telegram took them is unknown, as after a SIGKILL: they go again (another
            # instance, or the next start), rather than wait as 'sending' for a restart.
            async with self.session_factory() as session:
                released = await queue.release_interrupted(session, cut_short)
                await session.commit()
            log.warning("%d send(s) unanswered at the stop; their messages go again", released)
        await self.instances.stop()

    async def idle(self, timeout: float = 10.0) -> None:
        """Wait until nothing is due or in flight (the console and tests use this)."""
        deadline = time.monotonic() + timeout
        while True:
            async with self.session_factory() as session:
                due = await queue.due_messages(session, utcnow(), 1)
            if not due and not self._in_flight:
                return
            if time.monotonic() > deadline:
                raise TimeoutError("outbox still busy")
            await asyncio.sleep(0.02)

    # --- the loop -------------------------------------------------------------------------
    async def _run(self, bot: Bot) -> None:
        while True:
            self.outbox.wakeup.clear()
            try:
                wait = await self._dispatch_due(bot)
            except Exception:  # a broken DB read must not end delivery for good
                log.exception("delivery loop failed; retrying")
                wait = 1.0
            # asyncio.timeout, not wait_for: on Python 3.11 wait_for can swallow a cancellation
            # that coincides with its timeout, and stop() would then wait forever.
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(wait):
                    await self.outbox.wakeup.wait()

    async def _dispatch_due(self, bot: Bot) -> float:
        """Start sending what may go now; return how long to sleep before looking again."""
        chosen: list[Any] = []  # light rows, their lanes occupied as they are chosen
        try:
            async with self.session_factory() as session:
                wait = await self._claim_due(session, chosen)
                claimed = await queue.load(session, [row.id for row in chosen])
                await session.commit()
        except BaseException:
            for row in chosen:  # nothing was claimed after all: the lanes are free again
                self._release(row.chat_id, row.lane)
            raise
        for row in claimed:
            self._in_flight.add(row.id)
            task = asyncio.create_task(self._send(bot, row))
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)
        return wait

    async def _claim_due(self, session: AsyncSession, chosen: list[Any]) -> float:
        """Claim, in the session's transaction, the due rows that the lanes and the pacer let
        go now, adding them to `chosen`; return how long to sleep before looking again."""
        wait = 1.0
        now = time.monotonic()
        rows = await queue.due_messages(session, utcnow(), 500)
        next_due = await queue.next_due_at(session)
        if next_due is not None:
            wait = min(wait, max(0.005, (next_due - utcnow()).total_seconds()))
        # Groups first: their 20 a minute are the scarcest capacity, and a private chat
        # gives up at most that many turns a minute for it.
        rows.sort(key=lambda row: (row.chat_id > 0, row.id))
        for row in rows:
            if row.id in self._in_flight or not self._may_start(row):
                continue
            if len(self._in_flight) + len(chosen) >= MAX_IN_FLIGHT:
                return 0.005
            delay = self.pacer.delay(row.chat_id, now)
            if delay > 0:
                wait = min(wait, delay)
                continue
            # Claimed in this one transaction: no other sender can take these rows.
            if not await queue.claim(session, row.id, self.instances.id):
                continue  # sent meanwhile: read before that was committed
            if await queue.superseded(session, row):
                await queue.mark_failed(session, row.id, "superseded", "a newer state queued")
                wait = 0.005
                continue
            self.pacer.record(row.chat_id, now)
            self._occupy(row.chat_id, row.lane)
            chosen.append(row)
        return wait

    async def _send(self, bot: Bot, row: OutboxMessage) -> None:
        """Send one claimed row and record the outcome."""
        sends = self.metrics.sends
        try:
            result = await bot(_api_method(row))
        except TelegramRetryAfter as exc:
            sends.labels("retry_after").inc()
            self.pacer.pause(row.chat_id, exc.retry_after, time.monotonic())
            await self._retry(row, exc.retry_after, f"429 retry after {exc.retry_after}s")
        except TelegramForbiddenError as exc:
            sends.labels("unreachable" if row.chat_id in self.operators else "blocked").inc()
            await self._forbidden(row, exc)
        except TelegramBadRequest as exc:
            sends.labels("rejected").inc()
            await self._bad_request(row, exc)
        except (TelegramServerError, TelegramNetworkError, TimeoutError, OSError) as exc:
            sends.labels("retry").inc()
            await self._retry(row, min(MAX_BACKOFF, 2.0**row.attempts), repr(exc))
        except Exception as exc:  # an unexpected answer: keep the row, try later
            sends.labels("retry").inc()
            log.exception("outbox row %s: unexpected error", row.id)
            await self._retry(row, MAX_BACKOFF, repr(exc))
        else:
            sends.labels("sent").inc()
            if row.chat_id > 0:
                queued = (utcnow() - row.created_at).total_seconds()
                self.metrics.reply_seconds.observe(max(0.0, queued))
            await self._sent(row, result)
        finally:
            self._in_flight.discard(row.id)
            self._release(row.chat_id, row.lane)
            self.outbox.wakeup.set()

    def _may_start(self, row: Any) -> bool:
        """Its lane is free, and its chat has room for one more in flight."""
        if (row.chat_id, row.lane) in self._busy_lanes:
            return False
        return self._busy_chats[row.chat_id] < (GROUP_PARALLEL if row.chat_id < 0 else 1)

    def _occupy(self, chat_id: int, lane: int) -> None:
        self._busy_lanes.add((chat_id, lane))
        self._busy_chats[chat_id] += 1

    def _release(self, chat_id: int, lane: int) -> None:
        self._busy_lanes.discard((chat_id, lane))
        self._busy_chats[chat_id] -= 1
        if not self._busy_chats[chat_id]:
            del self._busy_chats[chat_id]

    # --- outcomes -------------------------------------------------------------------------
    async def _sent(self, row: OutboxMessage, result: Any) -> None:
        async with self.session_factory() as session:
            await self.operators.set_reachable(session, row.chat_id, True)
            await queue.mark_sent(session, row.id, _message_id(result))
            await self.hooks.on_sent(session, row, result)
            await session.commit()

    async def _retry(self, row: OutboxMessage, seconds: float, error: str) -> None:
        async with self.session_factory() as session:
            await queue.reschedule(session, row.id, utcnow() + timedelta(seconds=seconds), error)
            await session.commit()

    async def _operators_unreachable(self, row: OutboxMessage, error: Exception) -> None:
        """Keep the row; try again in a while, or at once when the bot is let back in."""
        async with self.session_factory() as session:
            if await self.operators.set_reachable(session, row.chat_id, False):
                log.error(
                    "operators chat %s is unreachable (%s). Is the bot still a member? Tickets "
                    "and messages are kept and will be delivered when it is back.",
                    row.chat_id,
                    error,
                )
            at = utcnow() + timedelta(seconds=UNREACHABLE_RETRY)
            await queue.reschedule(session, row.id, at, str(error))
            await session.commit()

    async def _forbidden(self, row: OutboxMessage, error: TelegramForbiddenError) -> None:
        if row.chat_id in self.operators:
            await self._operators_unreachable(row, error)
            return
        async with self.session_factory() as session:
            await queue.mark_failed(session, row.id, "blocked", str(error))
            await mark_blocked(session, row.chat_id)
            await self.hooks.on_blocked(session, row)
            await session.commit()

    async def _bad_request(self, row: OutboxMessage, error: TelegramBadRequest) -> None:
        if row.chat_id in self.operators and shuts_the_bot_out(error):
            await self._operators_unreachable(row, error)
            return
        async with self.session_factory() as session:
            await queue.mark_failed(session, row.id, "failed", str(error))
            if not await self.hooks.on_bad_request(session, row, error):
                log.error(
                    "outbox row %s (%s) rejected by Telegram: %s", row.id, row.method, error.message
                )
            await session.commit()
