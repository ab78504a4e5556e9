"""Long polling that confirms an update to Telegram only once it has been handled.

aiogram's own polling confirms a batch of updates (by asking for the next one) as soon as it has
read them, and handles them in background tasks: a crash, or a stop, in between loses them,
and Telegram never sends them again. Here a batch is handled, each update in its own committed
transaction, before the next getUpdates carries the offset that confirms it. Whatever was not
finished when the process died is sent again by Telegram on the next start; the updates that had
been handled are recognised by their id and skipped (bot.services.updates), so nothing is lost
and nothing is done twice.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
from typing import Any

from aiogram import Bot, Dispatcher
from aiogram.methods import GetUpdates
from aiogram.types import Update
from aiogram.utils.backoff import Backoff, BackoffConfig

log = logging.getLogger(__name__)

BACKOFF = BackoffConfig(min_delay=1.0, max_delay=5.0, factor=1.3, jitter=0.1)


class StoredFirstPolling:
    def __init__(
        self, dispatcher: Dispatcher, bot: Bot, concurrency: int, polling_timeout: int = 10
    ) -> None:
        self.dispatcher = dispatcher
        self.bot = bot
        self.concurrency = concurrency
        self.polling_timeout = polling_timeout
        self.offset: int | None = None
        self._stopping = asyncio.Event()

    def stop(self) -> None:
        """Finish the batch in hand, confirm it, and return."""
        log.info("stopping: the updates in hand are finished first")
        self._stopping.set()

    async def run(self, handle_signals: bool = True) -> None:
        """Start-up, polling until stop() (or SIGINT/SIGTERM), shut-down."""
        if handle_signals:
            loop = asyncio.get_running_loop()
            for sig in (signal.SIGINT, signal.SIGTERM):
                loop.add_signal_handler(sig, self.stop)
        data: dict[str, Any] = {"dispatcher": self.dispatcher, "bots": [self.bot]}
        data.update(self.dispatcher.workflow_data)
        await self.dispatcher.emit_startup(bot=self.bot, **data)
        try:
            me = await self.bot.me()
            log.info("polling as @%s (id %s)", me.username, me.id)
            await self._poll(data)
        finally:
            await self.dispatcher.emit_shutdown(bot=self.bot, **data)

    async def _poll(self, data: dict[str, Any]) -> None:
        allowed = self.dispatcher.resolve_used_update_types()
        backoff = Backoff(BACKOFF)
        semaphore = asyncio.Semaphore(self.concurrency)

        async def handle(update: Update) -> None:
            async with semaphore:
                try:
                    await self.dispatcher.feed_update(self.bot, update, **data)
                except Exception:  # one update's failure must not stop the others
                    log.exception("update %s failed", update.update_id)

        while not self._stopping.is_set():
            fetch = asyncio.ensure_future(self._fetch(allowed))
            stopping = asyncio.ensure_future(self._stopping.wait())
            await asyncio.wait({fetch, stopping}, return_when=asyncio.FIRST_COMPLETED)
            stopping.cancel()
            if not fetch.done():  # stopped while waiting: nothing was handed to us unconfirmed
                fetch.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await fetch
                break
            try:
                updates = fetch.result()
            except Exception as exc:  # Telegram or the network: wait, then ask again
                log.error("getUpdates failed (%s); retrying in %.1f s", exc, backoff.next_delay)
                await backoff.asleep()
                continue
            backoff.reset()
            if updates:
                await asyncio.gather(*(handle(update) for update in updates))
                self.offset = max(update.update_id for update in updates) + 1
        await self._confirm()

    async def _fetch(self, allowed: list[str]) -> list[Update]:
        method = GetUpdates(
            offset=self.offset, timeout=self.polling_timeout, allowed_updates=allowed
        )
        return await self.bot(method, request_timeout=self.polling_timeout + 30)

    async def _confirm(self) -> None:
        """Tell Telegram, on the way out, that the last batch is done; else it would come again
        at the next start (harmless, it is skipped, but a wasted batch)."""
        if self.offset is None:
            return
        with contextlib.suppress(Exception):
            await self.bot(GetUpdates(offset=self.offset, limit=1, timeout=0), request_timeout=5)
