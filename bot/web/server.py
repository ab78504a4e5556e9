"""One aiohttp listener for everything the bot serves over HTTP: /healthz and /metrics in both
modes, and in webhook mode the path of WEBHOOK_URL, handled by aiogram's own
SimpleRequestHandler."""

from __future__ import annotations

import logging
from urllib.parse import urlsplit

from aiogram import Bot, Dispatcher
from aiogram.webhook.aiohttp_server import SimpleRequestHandler
from aiohttp import web
from prometheus_client import CONTENT_TYPE_LATEST
from sqlalchemy.ext.asyncio import async_sessionmaker

from bot.outbox import OperatorsChats
from bot.services.health import check_health
from bot.services.metrics import Metrics

log = logging.getLogger(__name__)


class WebListener:
    def __init__(
        self,
        sessions: async_sessionmaker,
        operators: OperatorsChats,
        metrics: Metrics,
        host: str,
        port: int,
    ) -> None:
        self.sessions = sessions
        self.operators = operators
        self.metrics = metrics
        self.host, self.port = host, port
        self.app = web.Application()
        self.app.router.add_get("/healthz", self._healthz)
        self.app.router.add_get("/metrics", self._metrics)
        self._runner: web.AppRunner | None = None

    def serve_webhook(self, dispatcher: Dispatcher, bot: Bot, url: str, secret: str) -> str:
        """Take Telegram's updates at the path of `url`; returns the path. Each update is
        answered once it is handled and committed (not in the background), so that an update
        whose handling failed gets a 500 and Telegram sends it again; one that took effect and
        comes again is skipped by its stored id (DatabaseMiddleware)."""
        path = urlsplit(url).path or "/"
        handler = SimpleRequestHandler(
            dispatcher, bot, handle_in_background=False, secret_token=secret
        )
        handler.register(self.app, path=path)
        return path

    async def start(self) -> None:
        self._runner = web.AppRunner(self.app, access_log=None)  # no voters' ids in the logs
        await self._runner.setup()
        site = web.TCPSite(self._runner, self.host, self.port)
        await site.start()
        log.info("listening on %s:%s (/healthz, /metrics)", self.host, self.port)

    @property
    def bound_port(self) -> int:
        """The port actually listened on (WEB_PORT=0 asks the system for a free one)."""
        assert self._runner is not None
        return self._runner.addresses[0][1]

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def _healthz(self, _request: web.Request) -> web.Response:
        report = await check_health(self.sessions, self.operators)
        return web.json_response(report, status=200 if report["ok"] else 503)

    async def _metrics(self, _request: web.Request) -> web.Response:
        report = await check_health(self.sessions, self.operators)
        if outbox := report.get("outbox"):  # the gauges keep their last value otherwise
            self.metrics.outbox_backlog.set(outbox["backlog"])
            self.metrics.outbox_oldest_seconds.set(outbox["oldest_pending_seconds"])
        return web.Response(
            body=self.metrics.exposition(), headers={"Content-Type": CONTENT_TYPE_LATEST}
        )
