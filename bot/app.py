"""Building the bot: one dispatcher, served by polling or by the offline console alike."""

from __future__ import annotations

import inspect
from dataclasses import dataclass
from functools import cache, partial

from aiogram import Bot, Dispatcher, methods
from aiogram.client.default import DefaultBotProperties
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.session.base import BaseSession
from aiogram.client.telegram import TelegramAPIServer
from aiogram.methods.base import Response, TelegramMethod
from aiogram.types import BotCommand, BotCommandScopeAllGroupChats
from aiogram.utils.i18n import I18n
from redis.asyncio import Redis
from sqlalchemy.ext.asyncio import AsyncEngine, async_sessionmaker

from bot.config import PROJECT_ROOT, Settings
from bot.content import LANGS
from bot.content.catalogs import compile_catalogs
from bot.db.engine import create_engine, migrate, session_factory
from bot.db.redis import connect_redis
from bot.desk import Desk
from bot.desk.desk import FEATURE as DESK_FEATURE
from bot.desk.hooks import DeskHooks
from bot.faq import KnowledgeBase
from bot.handlers import build_router
from bot.middlewares import (
    DatabaseMiddleware,
    FloodMiddleware,
    IntakeMiddleware,
    MetricsMiddleware,
    UserLocaleMiddleware,
    UserMiddleware,
)
from bot.middlewares.flood_control import FloodControl, RedisFloodControl
from bot.middlewares.isolation import SharedEventIsolation
from bot.outbox import DeliveryWorker, HooksRegistry, OperatorsChats, Outbox
from bot.outbox.instances import RedisInstances, SoleInstance
from bot.outbox.pacing import Limits, Pacer
from bot.quiz import QuizBank
from bot.quiz.hooks import QuizHooks
from bot.quiz.master import FEATURE as QUIZ_FEATURE
from bot.quiz.master import QuizMaster
from bot.services.metrics import Metrics
from bot.services.retention import RetentionKeeper

LOCALES = PROJECT_ROOT / "locales"
HELPLINE_ENTRY = "helpline"  # the FAQ entry voters get while no operator can be reached


@dataclass
class App:
    settings: Settings
    knowledge: KnowledgeBase
    engine: AsyncEngine
    dispatcher: Dispatcher
    i18n: I18n
    delivery: DeliveryWorker
    desk: Desk
    sessions: async_sessionmaker
    operators: OperatorsChats
    metrics: Metrics
    redis: Redis | None = None

    async def close(self) -> None:
        await self.engine.dispose()
        if self.redis is not None:
            await self.redis.aclose()


@cache
def response_models() -> tuple[type, ...]:
    """aiogram builds `Response[<return type>]` for every API call, and pydantic keeps such
    models only through weak references: once collected, the next call builds it again (a few
    milliseconds; 11-14% of the bot's CPU in the escalation benchmark's profile). Holding each
    one (about 40, built in 50 ms) keeps pydantic's cache warm."""
    returns = {
        repr(method.__returning__): method.__returning__
        for _, method in inspect.getmembers(methods, inspect.isclass)
        if issubclass(method, TelegramMethod) and method is not TelegramMethod
    }
    return tuple(Response[returned] for returned in returns.values())


def create_bot(settings: Settings, token: str, session: BaseSession | None = None) -> Bot:
    response_models()
    if session is None:
        session = AiohttpSession(api=TelegramAPIServer.from_base(settings.telegram_api_url))
    return Bot(
        token,
        session=session,
        default=DefaultBotProperties(parse_mode="HTML", link_preview_is_disabled=True),
    )


async def create_app(settings: Settings, knowledge: KnowledgeBase | None = None) -> App:
    """The bot's parts; `knowledge` is the loaded FAQ when the caller has it already (the tests)."""
    knowledge = knowledge or KnowledgeBase.load(
        settings.faq_path, settings.embeddings, settings.learned_model_path, settings.asked_path
    )
    bank = QuizBank.load(settings.quiz_path)
    engine = create_engine(settings.database_url)
    await migrate(engine, settings.operators_chat_id)
    compile_catalogs(LOCALES)
    i18n = I18n(path=LOCALES, default_locale=settings.default_language, domain="messages")

    sessions = session_factory(engine)
    outbox = Outbox()
    operators = OperatorsChats(settings.operators_groups())
    metrics = Metrics()
    desk = Desk(settings, outbox, i18n, operators, knowledge.get(HELPLINE_ENTRY), metrics=metrics)
    limits = Limits(
        chat_interval=settings.rate_chat_interval,
        chat_burst=settings.rate_chat_burst,
        group_per_minute=settings.rate_group_per_minute,
        window=settings.rate_group_window_seconds,
        global_per_second=settings.rate_global_per_second,
    )
    hooks = HooksRegistry()
    quizmaster = QuizMaster(settings, bank, outbox, i18n)
    hooks.register(DESK_FEATURE, DeskHooks(desk))
    hooks.register(QUIZ_FEATURE, QuizHooks(quizmaster))
    redis = connect_redis(settings.redis_url) if settings.redis_url else None
    instances = RedisInstances(redis) if redis else SoleInstance()
    delivery = DeliveryWorker(
        sessions, outbox, Pacer(limits), hooks, operators, metrics, instances=instances
    )

    isolation = {"events_isolation": SharedEventIsolation(redis)} if redis else {}
    dispatcher = Dispatcher(
        **isolation,
        knowledge=knowledge,
        settings=settings,
        i18n=i18n,
        outbox=outbox,
        desk=desk,
        quizmaster=quizmaster,
    )
    # Around every update, in this order: counted and timed; a voter's message judged (flood)
    # and matched, before any database work (see IntakeMiddleware); a DB session, the stored
    # user, their language. Acting on a flood is a message middleware, so it always runs
    # inside all of them.
    flood = (
        RedisFloodControl(redis, settings.flood_messages, settings.flood_seconds)
        if redis
        else FloodControl(settings.flood_messages, settings.flood_seconds)
    )
    dispatcher.update.outer_middleware(MetricsMiddleware(metrics))
    dispatcher.update.outer_middleware(IntakeMiddleware(knowledge.matcher, flood, metrics))
    dispatcher.update.outer_middleware(DatabaseMiddleware(sessions))
    dispatcher.update.outer_middleware(UserMiddleware())
    dispatcher.update.outer_middleware(
        UserLocaleMiddleware(i18n, knowledge.matcher, settings.operators_groups())
    )
    dispatcher.message.outer_middleware(FloodMiddleware())
    dispatcher.include_router(build_router(settings))

    retention = RetentionKeeper(sessions, settings.retention_days)

    async def on_startup(bot: Bot) -> None:
        await set_commands(bot, i18n, settings)
        await desk.start(bot, sessions)
        await delivery.start(bot)
        await quizmaster.start(sessions)
        retention.start()

    async def on_shutdown() -> None:
        await retention.stop()
        await quizmaster.stop()
        await desk.stop()
        await delivery.stop()

    dispatcher.startup.register(on_startup)
    dispatcher.shutdown.register(on_shutdown)
    return App(
        settings=settings,
        knowledge=knowledge,
        engine=engine,
        dispatcher=dispatcher,
        i18n=i18n,
        delivery=delivery,
        desk=desk,
        sessions=sessions,
        operators=operators,
        metrics=metrics,
        redis=redis,
    )


async def set_commands(bot: Bot, i18n: I18n, settings: Settings) -> None:
    """The command menu in each user's own language; in groups, only the workshop quiz."""
    for lang in (*LANGS, None):
        gettext = partial(i18n.gettext, locale=lang or settings.default_language)
        private = [
            BotCommand(command="start", description=gettext("Start")),
            BotCommand(command="help", description=gettext("What I can do")),
            BotCommand(command="quiz", description=gettext("Election quiz for trainees")),
            BotCommand(command="myresults", description=gettext("My quiz results")),
            BotCommand(command="language", description=gettext("Change language")),
            BotCommand(command="close", description=gettext("Close my question")),
        ]
        await bot.set_my_commands(private, language_code=lang)
        group = [
            BotCommand(command="quiz", description=gettext("Start a workshop quiz (admins)")),
            BotCommand(command="stopquiz", description=gettext("Stop the quiz (admins)")),
        ]
        await bot.set_my_commands(group, BotCommandScopeAllGroupChats(), language_code=lang)
