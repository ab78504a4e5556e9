"""Building the bot: one dispatcher, served by polling or by the offline console alike."""

from __future__ import annotations

from dataclasses import dataclass

from aiogram import Bot, Dispatcher
from aiogram.client.default import DefaultBotProperties
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.session.base import BaseSession
from aiogram.client.telegram import TelegramAPIServer
from aiogram.types import BotCommand
from aiogram.utils.i18n import I18n
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.config import PROJECT_ROOT, Settings
from bot.db.engine import create_engine, migrate, session_factory
from bot.faq import LANGS, KnowledgeBase
from bot.handlers import build_router
from bot.middlewares import DatabaseMiddleware, FloodMiddleware, UserLocaleMiddleware
from bot.services.throttle import FloodControl

LOCALES = PROJECT_ROOT / "locales"


@dataclass
class App:
    settings: Settings
    kb: KnowledgeBase
    engine: AsyncEngine
    dispatcher: Dispatcher
    i18n: I18n

    async def close(self) -> None:
        await self.engine.dispose()


def create_bot(settings: Settings, token: str, session: BaseSession | None = None) -> Bot:
    if session is None:
        session = AiohttpSession(api=TelegramAPIServer.from_base(settings.telegram_api_url))
    return Bot(
        token,
        session=session,
        default=DefaultBotProperties(parse_mode="HTML", link_preview_is_disabled=True),
    )


async def create_app(settings: Settings) -> App:
    kb = KnowledgeBase.load(settings.faq_path)
    engine = create_engine(settings.database_url)
    await migrate(engine)
    i18n = I18n(path=LOCALES, default_locale=settings.default_language, domain="messages")

    dispatcher = Dispatcher(kb=kb, settings=settings, i18n=i18n)
    dispatcher.update.outer_middleware(DatabaseMiddleware(session_factory(engine)))
    UserLocaleMiddleware(i18n, kb.matcher).setup(dispatcher)
    flood = FloodControl(settings.flood_messages, settings.flood_seconds)
    dispatcher.message.outer_middleware(FloodMiddleware(flood))
    dispatcher.include_router(build_router())
    dispatcher.startup.register(set_commands)
    return App(settings=settings, kb=kb, engine=engine, dispatcher=dispatcher, i18n=i18n)


async def set_commands(bot: Bot, i18n: I18n, settings: Settings) -> None:
    """The command menu in each user's own language."""
    for lang in (*LANGS, None):
        locale = lang or settings.default_language
        commands = [
            BotCommand(command="start", description=i18n.gettext("Start", locale=locale)),
            BotCommand(command="help", description=i18n.gettext("What I can do", locale=locale)),
            BotCommand(
                command="language", description=i18n.gettext("Change language", locale=locale)
            ),
        ]
        await bot.set_my_commands(commands, language_code=lang)
