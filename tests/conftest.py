from __future__ import annotations

import asyncio
import contextlib
import functools
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from bot.app import App, create_app, create_bot
from bot.config import PROJECT_ROOT, Settings, load_settings
from bot.faq import KnowledgeBase
from bot.offline import UpdateFactory
from bot.offline.scene import OPERATORS
from bot.offline.server import FakeTelegram
from bot.runners.updates import StoredFirstPolling
from tests.postgres import PostgresServer, postgres_server
from tests.redis_server import RedisServer, redis_server

TOKEN = "123456:TEST-token-never-logged"
REAL_FAQ = PROJECT_ROOT / "data" / "faq.yaml"
SMALL_FAQ = Path(__file__).parent / "data" / "faq_small.yaml"


@functools.cache
def real_kb() -> KnowledgeBase:
    """The real FAQ with every matching signal, built once for all tests (the bot's start-up
    trains the learned signal; the tests that start the bot share this one)."""
    settings = load_settings()
    return KnowledgeBase.load(
        REAL_FAQ, settings.embeddings, settings.learned_model_path, settings.asked_path
    )


@pytest.fixture(scope="session")
def knowledge() -> KnowledgeBase:
    return real_kb()


@pytest.fixture(scope="session")
def small_kb() -> KnowledgeBase:
    return KnowledgeBase.load(SMALL_FAQ)


@pytest.fixture(scope="session")
def postgres() -> Iterator[PostgresServer]:
    """One PostgreSQL server for the whole run, started when a test first asks for it."""
    with postgres_server() as server:
        yield server


@pytest.fixture(scope="session")
def redis_service() -> Iterator[RedisServer]:
    """One Redis server for the whole run, started when a test first asks for it."""
    with redis_server() as server:
        yield server


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """The test's own empty database, once on SQLite (a file) and once on PostgreSQL."""
    if request.param == "sqlite":
        return f"sqlite+aiosqlite:///{tmp_path / 'bot.db'}"
    return request.getfixturevalue("postgres").new_database()


def make_settings(tmp_path: Path, api_url: str, **overrides: Any) -> Settings:
    values: dict[str, Any] = {
        "bot_token": TOKEN,
        "telegram_api_url": api_url,
        "database_url": f"sqlite+aiosqlite:///{tmp_path / 'bot.db'}",
        "faq_path": REAL_FAQ,
        "operators_chat_id": OPERATORS,
        # Pacing is tested on its own; here it would only slow the conversation down.
        "rate_chat_interval": 0.001,
        "rate_chat_burst": 1000,
        "rate_group_per_minute": 100_000,
        "rate_global_per_second": 100_000,
    }
    values.update(overrides)
    return load_settings(**values)


@dataclass
class Chat:
    """Telegram users talking to the bot, through the fake server (wherever the bot runs)."""

    server: FakeTelegram
    updates: UpdateFactory = field(default_factory=UpdateFactory)

    def user(self, user_id: int = 42, language_code: str | None = None, **kw: Any) -> dict:
        return self.updates.user(user_id, language_code=language_code, **kw)

    async def say(self, user: dict, text: str | None = None, **content: Any) -> dict[str, Any]:
        """Send a message as the user; return the bot's next message to them (params)."""
        mark = len(self.server.calls)
        self.server.push(self.updates.message(user, text, **content))
        return await self.next_message(user["id"], after=mark)

    async def press(self, user: dict, callback_data: str) -> int:
        """Press an inline button under the bot's latest message; return the call mark."""
        mark = len(self.server.calls)
        message = self.server.api.last_message(user["id"]) or {
            "message_id": 1,
            "date": 0,
            "chat": self.server.api.chat(user["id"]),
        }
        self.server.push(self.updates.callback(user, callback_data, message))
        await self.server.wait_for(lambda c: c[0] == "answerCallbackQuery", after=mark)
        return mark

    async def next_message(self, chat_id: int, after: int, timeout: float = 5.0) -> dict[str, Any]:
        _, params = await self.server.wait_for(
            lambda c: (
                c[0] in ("sendMessage", "editMessageText", "sendPoll")
                and c[1].get("chat_id") == chat_id
            ),
            after=after,
            timeout=timeout,
        )
        return params


@dataclass
class Harness(Chat):
    """The real dispatcher, in this process, polling the fake Telegram server over HTTP."""

    app: App = field(kw_only=True)


async def eventually(check: Callable[[], Awaitable[Any]], what: str, timeout: float = 5.0) -> Any:
    """Wait until `check()` returns something true (the bot works on its own schedule; a fixed
    sleep is too short on a busy machine and too long on an idle one); return it."""
    deadline = asyncio.get_running_loop().time() + timeout
    while not (result := await check()):
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError(f"not within {timeout} s: {what}")
        await asyncio.sleep(0.02)
    return result


def buttons(params: dict[str, Any]) -> list[tuple[str, str]]:
    """(text, callback_data) of every inline button in a sent message."""
    markup = params.get("reply_markup") or {}
    return [
        (b["text"], b.get("callback_data", ""))
        for row in markup.get("inline_keyboard", [])
        for b in row
    ]


@contextlib.asynccontextmanager
async def running_bot(
    tmp_path: Path, forum: bool = False, server: FakeTelegram | None = None, **overrides: Any
) -> AsyncIterator[Harness]:
    """The bot on a fake Telegram: a fresh one, or `server` as a test prepared it (say, with
    failures set for the bot's start-up calls)."""
    server = server or FakeTelegram()
    if forum:
        server.api.forum_chats.add(OPERATORS)
    await server.start()
    settings = make_settings(tmp_path, server.url, **overrides)
    app = await create_app(settings, real_kb() if settings.faq_path == REAL_FAQ else None)
    bot = create_bot(settings, TOKEN)
    poller = StoredFirstPolling(app.dispatcher, bot, settings.update_concurrency, 1)
    polling = asyncio.create_task(poller.run(handle_signals=False))
    try:
        await server.wait_for(lambda c: c[0] == "getMe")  # start-up done, polling begins
        yield Harness(server=server, app=app)
    finally:
        poller.stop()
        with contextlib.suppress(asyncio.CancelledError, TimeoutError):
            await asyncio.wait_for(polling, 5)
        await bot.session.close()
        await app.close()
        await server.stop()


@pytest.fixture
async def harness(tmp_path: Path, database_url: str) -> AsyncIterator[Harness]:
    async with running_bot(tmp_path, database_url=database_url) as h:
        yield h
