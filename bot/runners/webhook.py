"""Webhook mode: Telegram posts each update to WEBHOOK_URL; the bot answers once the update
is handled and committed. Health and metrics on the same listener."""

from __future__ import annotations

import asyncio
import logging
import signal

from bot.app import create_app
from bot.config import Settings
from bot.faq import KnowledgeBase
from bot.runners.polling import connected_bot
from bot.web import WebListener

log = logging.getLogger(__name__)


async def run_webhook(
    settings: Settings,
    knowledge: KnowledgeBase | None = None,
    stop: asyncio.Event | None = None,
) -> None:
    """Serve until SIGINT/SIGTERM (or `stop`): start-up, set the webhook, serve, shut down.
    The webhook stays set on the way out: another instance behind the same URL goes on.
    `knowledge` is the loaded FAQ when the caller has it already (the tests)."""
    assert settings.bot_token and settings.webhook_url and settings.webhook_secret
    assert settings.listen_port is not None
    bot = await connected_bot(settings)
    app = await create_app(settings, knowledge)
    listener = WebListener(
        app.sessions, app.operators, app.metrics, settings.web_host, settings.listen_port
    )
    secret = settings.webhook_secret.get_secret_value()
    path = listener.serve_webhook(app.dispatcher, bot, settings.webhook_url, secret)
    stop = stop or asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    data = {"dispatcher": app.dispatcher, "bots": [bot], **app.dispatcher.workflow_data}
    await app.dispatcher.emit_startup(bot=bot, **data)
    try:
        await listener.start()
        await bot.set_webhook(
            settings.webhook_url,
            secret_token=secret,
            allowed_updates=app.dispatcher.resolve_used_update_types(),
            max_connections=settings.update_concurrency,
        )
        log.info(
            "FAQ loaded: %d entries; serving the webhook at %s", len(app.knowledge.entries), path
        )
        await stop.wait()
        log.info("stopping: no new updates; finishing what is in hand")
    finally:
        await listener.stop()  # aiohttp waits for the requests in flight
        await app.dispatcher.emit_shutdown(bot=bot, **data)
        await bot.session.close()
        await app.close()
