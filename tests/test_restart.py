"""The bot process is killed (SIGKILL) while operators' answers wait for Telegram; the next
process delivers every one of them, once. The bot runs as `python -m bot run`, as in production,
against the fake Bot API server."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path

import aiohttp
import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from bot.config import PROJECT_ROOT
from bot.db.engine import create_engine
from bot.offline.scene import UNKNOWN
from bot.offline.server import FakeTelegram
from bot.outbox.worker import MAX_IN_FLIGHT
from tests.conftest import OPERATORS, TOKEN, Chat
from tests.desk_helpers import ask_operator, card_of, operator_says
from tests.postgres import free_port

VOTERS = [(701, "kk"), (702, "ru"), (703, "en")]


@pytest.fixture
async def server() -> AsyncIterator[FakeTelegram]:
    fake = FakeTelegram()
    await fake.start()
    yield fake
    await fake.stop()


def start_bot(
    server: FakeTelegram, database_url: str, log: Path, **settings: str
) -> subprocess.Popen:
    env = {
        **os.environ,
        "BOT_TOKEN": TOKEN,
        "TELEGRAM_API_URL": server.url,
        "DATABASE_URL": database_url,
        "OPERATORS_CHAT_ID": str(OPERATORS),
        "RATE_CHAT_INTERVAL": "0.001",
        "RATE_CHAT_BURST": "1000",
        "RATE_GROUP_PER_MINUTE": "100000",
        "LOG_LEVEL": "INFO",
        # Delivery across a restart is under test, not matching: the cheap signals start faster.
        "SEMANTIC_MATCHING": "false",
        **settings,
    }
    return subprocess.Popen(
        [sys.executable, "-m", "bot", "run"],
        cwd=PROJECT_ROOT,
        env=env,
        stdout=log.open("ab"),
        stderr=subprocess.STDOUT,
    )


async def stop_bot(bot: subprocess.Popen) -> None:
    """SIGTERM, then SIGKILL after 15 s; waiting without blocking the loop, where the fake
    server must go on answering the bot while it shuts down."""
    bot.terminate()
    for _ in range(300):
        if bot.poll() is not None:
            return
        await asyncio.sleep(0.05)
    bot.kill()


def delivered(server: FakeTelegram, method: str, chat_id: int, after: int = 0) -> int:
    return sum(1 for m, p in server.calls[after:] if m == method and p.get("chat_id") == chat_id)


async def test_answers_pending_at_sigkill_are_delivered_once_after_restart(
    server, tmp_path, database_url
):
    log = tmp_path / "bot.log"
    chat = Chat(server)
    operator = chat.user(7001, first_name="Aliya", language_code="ru")
    bot = start_bot(server, database_url, log)
    try:
        await server.wait_for(lambda c: c[0] == "getMe", timeout=60)
        cards = []
        for number, (user_id, lang) in enumerate(VOTERS, start=1):
            await ask_operator(chat, chat.user(user_id, language_code=lang), UNKNOWN[lang])
            cards.append(await card_of(chat, number))

        # Telegram now answers 429 to every message for the voters: the answers must wait.
        for user_id, _ in VOTERS:
            for method in ("sendMessage", "copyMessage"):
                server.fail(
                    method, 429, "Too Many Requests", retry_after=1, count=-1, chat_id=user_id
                )
        for card in cards:
            await operator_says(chat, operator, "Ответ оператора", reply_to_message=card)
        for _ in range(200):
            refused = {p.get("chat_id") for _, p in server.failed_calls}
            if all(str(user_id) in refused for user_id, _ in VOTERS):
                break
            await asyncio.sleep(0.05)
        else:
            pytest.fail("the answers never reached the (refusing) fake Telegram")
        assert all(delivered(server, "copyMessage", user_id) == 0 for user_id, _ in VOTERS)

        bot.send_signal(signal.SIGKILL)
        assert bot.wait(timeout=10) == -signal.SIGKILL
        server.failures.clear()

        mark = len(server.calls)
        bot = start_bot(server, database_url, log)
        for user_id, _ in VOTERS:
            await server.wait_for(
                lambda c, u=user_id: c[0] == "copyMessage" and c[1]["chat_id"] == u,
                after=mark,
                timeout=60,
            )
        await asyncio.sleep(2)  # would a duplicate follow?
        for user_id, _ in VOTERS:
            assert delivered(server, "copyMessage", user_id) == 1
            headers = [
                p["text"]
                for m, p in server.calls
                if m == "sendMessage" and p["chat_id"] == user_id and p["text"].startswith("💬")
            ]
            assert len(headers) == 1
    finally:
        await stop_bot(bot)
    output = log.read_text(encoding="utf-8")
    assert "Traceback" not in output
    assert TOKEN not in output and TOKEN.split(":")[1] not in output


@pytest.fixture
async def stored_questions(database_url: str) -> AsyncIterator[Callable[[], Awaitable[list[int]]]]:
    """Reads the users of the questions stored so far, as the bot's process writes them."""
    engine = create_engine(database_url)

    async def read() -> list[int]:
        async with engine.connect() as connection:
            try:
                rows = await connection.execute(text("SELECT user_id FROM questions"))
            except DBAPIError:  # the bot has not created its tables yet
                return []
            return [user for (user,) in rows]

    yield read
    await engine.dispose()


async def test_questions_in_hand_at_sigkill_are_handled_once_after_restart(
    server, tmp_path, database_url, stored_questions
):
    """A burst of questions, the bot killed in the middle of it: Telegram sends again what was
    not confirmed, and every question is stored once and answered."""
    log = tmp_path / "bot.log"
    chat = Chat(server)
    voters = [chat.user(20_000 + i, language_code="ru") for i in range(300)]
    bot = start_bot(server, database_url, log)
    try:
        await server.wait_for(lambda c: c[0] == "getMe", timeout=60)
        await asyncio.wait_for(server.polling.wait(), 30)
        for voter in voters:
            server.push(chat.updates.message(voter, "Когда выборы?"))
        while len(await stored_questions()) < 60:
            await asyncio.sleep(0.005)
        os.kill(bot.pid, signal.SIGKILL)
        bot.wait(timeout=10)
        at_kill = len(await stored_questions())
        assert at_kill < len(voters)  # killed in the middle of the burst

        bot = start_bot(server, database_url, log)
        ids = {voter["id"] for voter in voters}

        def everyone_answered(_call: object) -> bool:
            answered = {p["chat_id"] for m, p in server.calls if m == "sendMessage"}
            return ids <= answered

        await server.wait_for(everyone_answered, timeout=120)
    finally:
        await stop_bot(bot)
    stored = await stored_questions()
    assert sorted(stored) == sorted(ids)  # each question stored once: none lost, none twice
    replies = [p["chat_id"] for m, p in server.calls if m == "sendMessage" and p["chat_id"] in ids]
    # A reply that Telegram accepted in the instant before the kill could record it goes again
    # (Telegram has no idempotency key); at most the sends that were in flight.
    assert len(replies) - len(ids) <= MAX_IN_FLIGHT


async def test_an_update_is_confirmed_to_telegram_only_once_it_is_stored(
    server, tmp_path, database_url, stored_questions
):
    """The offset that confirms an update (Telegram then forgets it) is sent only after the
    update's transaction committed: checked at every getUpdates during a burst."""
    log = tmp_path / "bot.log"
    chat = Chat(server)
    pushed: list[int] = []
    confirmed_early: list[tuple[int, int]] = []
    serve = server._get_updates

    async def watched(params: dict) -> list:
        offset = int(params.get("offset", 0) or 0)
        if offset:
            confirmed = sum(1 for update_id in pushed if update_id < offset)
            stored = len(await stored_questions())
            if stored < confirmed:
                confirmed_early.append((confirmed, stored))
        return await serve(params)

    server._get_updates = watched
    bot = start_bot(server, database_url, log)
    try:
        await asyncio.wait_for(server.polling.wait(), 60)
        voters = [chat.user(30_000 + i, language_code="en") for i in range(250)]
        for voter in voters:
            server.push(chat.updates.message(voter, "When is the election?"))
            pushed.append(server.last_update_id)
        while len(await stored_questions()) < len(voters):
            await asyncio.sleep(0.05)
        await asyncio.sleep(1.5)  # the next getUpdates confirms the last batch
    finally:
        await stop_bot(bot)
    assert confirmed_early == []


async def test_a_webhook_bot_stops_on_sigterm_within_ten_seconds(server, tmp_path, database_url):
    """Webhook mode as deployed: a process serving Telegram's posts; SIGTERM ends it with
    exit 0 once what it had in hand is sent."""
    port = free_port()
    secret = "sigterm-secret"
    log = tmp_path / "bot.log"
    bot = start_bot(
        server,
        database_url,
        log,
        WEBHOOK_URL="https://bot.example.org/hook",
        WEBHOOK_SECRET=secret,
        WEB_HOST="127.0.0.1",
        WEB_PORT=str(port),
    )
    try:
        await server.wait_for(lambda c: c[0] == "setWebhook", timeout=60)
        voter = Chat(server).user(704, language_code="ru")
        update = Chat(server).updates.message(voter, UNKNOWN["ru"])
        async with (
            aiohttp.ClientSession() as http,
            http.post(
                f"http://127.0.0.1:{port}/hook",
                json=update,
                headers={"X-Telegram-Bot-Api-Secret-Token": secret},
            ) as response,
        ):
            assert response.status == 200  # handled and committed before this answer
        bot.send_signal(signal.SIGTERM)
        started = asyncio.get_running_loop().time()
        while bot.poll() is None and asyncio.get_running_loop().time() - started < 10:
            await asyncio.sleep(0.05)
        assert bot.poll() == 0, log.read_text()[-2000:]
        assert delivered(server, "sendMessage", 704) == 1  # its reply, once
        logged = log.read_text()
        assert "serving the webhook" in logged
        assert secret not in logged and TOKEN not in logged
    finally:
        if bot.poll() is None:
            bot.kill()


async def test_sigterm_gives_back_a_send_that_telegram_has_not_answered(
    server, tmp_path, database_url
):
    """SIGTERM while Telegram sits on a reply: the process exits 0 within 10 s, and the reply's
    row is pending again for whoever sends next, instead of 'sending' with nobody sending it."""
    log = tmp_path / "bot.log"
    chat = Chat(server)
    server.holds[("sendMessage", "705")] = 12
    bot = start_bot(server, database_url, log)
    try:
        await asyncio.wait_for(server.polling.wait(), 60)
        server.push(chat.updates.message(chat.user(705, language_code="ru"), "Когда выборы?"))
        await server.wait_for(lambda c: c[0] == "sendMessage" and c[1]["chat_id"] == 705)
        bot.send_signal(signal.SIGTERM)
        started = asyncio.get_running_loop().time()
        while bot.poll() is None and asyncio.get_running_loop().time() - started < 10:
            await asyncio.sleep(0.05)
        assert bot.poll() == 0, log.read_text()[-2000:]
    finally:
        if bot.poll() is None:
            bot.kill()
    engine = create_engine(database_url)
    async with engine.connect() as connection:
        statuses = await connection.execute(text("SELECT status FROM outbox WHERE chat_id = 705"))
        assert statuses.scalars().all() == ["pending"]
    await engine.dispose()
    assert "unanswered at the stop" in log.read_text()
