from __future__ import annotations

import logging

from aiogram import Bot
from aiogram.exceptions import TelegramNetworkError, TelegramUnauthorizedError

from bot.app import create_app, create_bot
from bot.config import ConfigError, Settings
from bot.runners.updates import StoredFirstPolling
from bot.web import WebListener

log = logging.getLogger(__name__)


async def check_telegram(bot: Bot, api_url: str) -> None:
    """One clear line, not a traceback, when the Bot API cannot be reached or refuses the
    token: the two ways a first start usually fails."""
    try:
        await bot.get_me()
    except TelegramUnauthorizedError:
        raise ConfigError(
            "BOT_TOKEN was refused by Telegram: check it with @BotFather (/token)"
        ) from None
    except TelegramNetworkError:
        raise ConfigError(
            f"cannot reach the Bot API at {api_url}: check the network or TELEGRAM_API_URL"
        ) from None


async def connected_bot(settings: Settings) -> Bot:
    """The bot, once Telegram has answered it (else one clear ConfigError)."""
    assert settings.bot_token is not None
    bot = create_bot(settings, settings.bot_token.get_secret_value())
    try:
        await check_telegram(bot, settings.telegram_api_url)
    except ConfigError:
        await bot.session.close()
        raise
    return bot


async def run_polling(settings: Settings) -> None:
    bot = await connected_bot(settings)
    app = await create_app(settings)
    log.info("FAQ loaded: %d entries; starting long polling", len(app.knowledge.entries))
    listener = None
    if settings.listen_port is not None:
        listener = WebListener(
            app.sessions, app.operators, app.metrics, settings.web_host, settings.listen_port
        )
        await listener.start()
    try:
        # Telegram refuses getUpdates while a webhook is set: coming back from webhook mode,
        # it is removed, its pending updates kept for polling.
        await bot.delete_webhook(drop_pending_updates=False)
        await StoredFirstPolling(app.dispatcher, bot, settings.update_concurrency).run()
    finally:
        if listener is not None:
            await listener.stop()
        await bot.session.close()
        await app.close()
