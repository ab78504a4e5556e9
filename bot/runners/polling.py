from __future__ import annotations

import logging

from bot.app import create_app, create_bot
from bot.config import Settings

log = logging.getLogger(__name__)


async def run_polling(settings: Settings) -> None:
    assert settings.bot_token is not None
    app = await create_app(settings)
    bot = create_bot(settings, settings.bot_token.get_secret_value())
    log.info("FAQ loaded: %d entries; starting long polling", len(app.knowledge.entries))
    try:
        await app.dispatcher.start_polling(bot, tasks_concurrency_limit=settings.update_concurrency)
    finally:
        await bot.session.close()
        await app.close()
