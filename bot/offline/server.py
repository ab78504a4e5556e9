"""A fake Telegram Bot API server over HTTP, for the end-to-end tests and the benchmarks.

The bot under test talks to it exactly as to Telegram (TELEGRAM_API_URL points here). Updates
are queued by the test and served through getUpdates long polling; every other method is
answered by OfflineBotApi and recorded. Failures (429, 5xx, 403...) can be injected per method.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from aiohttp import web

from bot.offline import OfflineBotApi
from bot.offline.api import BOT_USER
from bot.offline.updates import UpdateFactory


@dataclass
class Failure:
    status: int
    description: str
    retry_after: int | None = None
    count: int = 1  # how many calls fail; -1: until cleared
    chat_id: int | None = None  # only calls to this chat


class FakeTelegram:
    def __init__(self) -> None:
        self.api = OfflineBotApi()
        self.updates: asyncio.Queue[dict[str, Any]] = asyncio.Queue()
        self.failures: dict[str, list[Failure]] = {}
        self.failed_calls: list[tuple[str, dict[str, Any]]] = []
        self.holds: dict[tuple[str, str], float] = {}
        self.tokens_seen: set[str] = set()
        # Optional: Telegram's flood control. Given a call, seconds to wait (a 429), or None.
        self.limiter: Callable[[str, dict[str, Any]], int | None] | None = None
        self.rate_limited = 0
        # Telegram's update ids go on across restarts of a bot; so do a new server's here.
        self._update_ids = itertools.count(time.time_ns() // 1000)
        self.last_update_id = 0
        self._unconfirmed: list[dict[str, Any]] = []  # served, not yet confirmed by an offset
        self.polling = asyncio.Event()  # set at the first getUpdates: the bot is taking updates
        # Called with (method, params, result) after every successful call.
        self.observers: list[Callable[[str, dict[str, Any], Any], None]] = []
        self._changed = asyncio.Condition()
        self._runner: web.AppRunner | None = None
        self.url = ""
        self.updates_factory = UpdateFactory()  # for the updates the server makes itself

    # --- lifecycle ------------------------------------------------------------------------
    async def start(self) -> None:
        app = web.Application()
        app.router.add_route("*", "/bot{token}/{method}", self._handle)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
        self.url = f"http://127.0.0.1:{port}"

    async def stop(self) -> None:
        if self._runner:
            await self._runner.cleanup()

    # --- test controls --------------------------------------------------------------------
    def push(self, update: dict[str, Any]) -> None:
        """Queue an update; numbered, as Telegram numbers them, in the order they arrive."""
        self.last_update_id = next(self._update_ids)
        self.updates.put_nowait({**update, "update_id": self.last_update_id})

    def fail(
        self,
        method: str,
        status: int,
        description: str,
        *,
        retry_after: int | None = None,
        count: int = 1,
        chat_id: int | None = None,
    ) -> None:
        self.failures.setdefault(method, []).append(
            Failure(status, description, retry_after, count, chat_id)
        )

    def set_bot_status(self, chat: dict[str, Any], status: str) -> None:
        """The bot's own membership in a group changes ("kicked", "left", "administrator"...):
        Telegram sends a my_chat_member update, and refuses what the bot sends there while it
        is out."""
        chat_id = chat["id"]
        members = self.api.statuses.setdefault(chat_id, {})
        old = members.get(BOT_USER["id"], "administrator")
        members[BOT_USER["id"]] = status
        update = self.updates_factory.chat_member(chat, BOT_USER, old, status)
        update["my_chat_member"] = update.pop("chat_member")
        self.push(update)

    def _bot_is_out(self, chat_id: str | None) -> bool:
        if chat_id is None or not chat_id.lstrip("-").isdigit():
            return False
        return self.api.statuses.get(int(chat_id), {}).get(BOT_USER["id"]) in ("left", "kicked")

    def hold(self, method: str, seconds: float, *, chat_id: int) -> None:
        """Answer this method's calls to this chat `seconds` late. The call takes effect at
        once, as on Telegram, where people see a message before its sender has the answer."""
        self.holds[(method, str(chat_id))] = seconds

    @property
    def calls(self) -> list[tuple[str, dict[str, Any]]]:
        return self.api.calls

    async def wait_for(
        self,
        predicate: Callable[[tuple[str, dict[str, Any]]], bool],
        *,
        after: int = 0,
        timeout: float = 5.0,
    ) -> tuple[str, dict[str, Any]]:
        """The first recorded call from index `after` on that satisfies the predicate."""

        def found() -> tuple[str, dict[str, Any]] | None:
            return next((c for c in self.calls[after:] if predicate(c)), None)

        async with self._changed:
            await asyncio.wait_for(self._changed.wait_for(found), timeout)
        result = found()
        assert result is not None
        return result

    # --- HTTP -----------------------------------------------------------------------------
    async def _handle(self, request: web.Request) -> web.Response:
        method = request.match_info["method"]
        self.tokens_seen.add(request.match_info["token"])
        params: dict[str, Any] = dict(await request.post())
        params.update(request.query)
        failure = self._take_failure(method, params.get("chat_id"))
        if failure is None and self._bot_is_out(params.get("chat_id")):
            failure = Failure(403, "Forbidden: bot was kicked from the supergroup chat")
        if failure:
            self.failed_calls.append((method, params))
            body: dict[str, Any] = {
                "ok": False,
                "error_code": failure.status,
                "description": failure.description,
            }
            if failure.retry_after is not None:
                body["parameters"] = {"retry_after": failure.retry_after}
            return web.json_response(body, status=failure.status)
        if method == "getUpdates":
            self.polling.set()
            return web.json_response({"ok": True, "result": await self._get_updates(params)})
        retry_after = self.limiter(method, params) if self.limiter else None
        if retry_after is not None:
            self.rate_limited += 1
            return web.json_response(
                {
                    "ok": False,
                    "error_code": 429,
                    "description": f"Too Many Requests: retry after {retry_after}",
                    "parameters": {"retry_after": retry_after},
                },
                status=429,
            )
        result = self.api.call(method, params)
        for observe in self.observers:
            observe(method, self.api.calls[-1][1], result)
        async with self._changed:
            self._changed.notify_all()
        await asyncio.sleep(self.holds.get((method, str(params.get("chat_id"))), 0))
        return web.json_response({"ok": True, "result": result})

    def _take_failure(self, method: str, chat_id: str | None) -> Failure | None:
        for failure in self.failures.get(method, []):
            if failure.chat_id is not None and str(failure.chat_id) != chat_id:
                continue
            if failure.count > 0:
                failure.count -= 1
                if failure.count == 0:
                    self.failures[method].remove(failure)
            return failure
        return None

    async def _get_updates(self, params: dict[str, Any]) -> list[dict[str, Any]]:
        """As Telegram: the earliest updates not yet confirmed, where `offset` confirms every
        update below it; a bot that dies before confirming gets them again."""
        offset = int(params.get("offset", 0) or 0)
        self._unconfirmed = [u for u in self._unconfirmed if u["update_id"] >= offset]
        timeout = float(params.get("timeout", 0) or 0)
        limit = int(params.get("limit", 0) or 100)  # Telegram serves at most 100 at a time
        if not self._unconfirmed:
            with contextlib.suppress(TimeoutError):
                update = await asyncio.wait_for(self.updates.get(), timeout or 0.01)
                self._unconfirmed.append(update)
        while not self.updates.empty() and len(self._unconfirmed) < limit:
            self._unconfirmed.append(self.updates.get_nowait())
        return self._unconfirmed[:limit]
