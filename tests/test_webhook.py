"""Webhook mode, /healthz and /metrics: the real bot serving HTTP, Telegram played by the fake
Bot API server; updates posted to the webhook as Telegram posts them."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from pathlib import Path

import aiohttp
import pytest
from prometheus_client.parser import text_string_to_metric_families

from bot.config import ConfigError, load_settings
from bot.db.engine import create_engine, session_factory
from bot.offline import UpdateFactory
from bot.offline.scene import OPERATORS
from bot.offline.server import FakeTelegram
from bot.outbox import OperatorsChats
from bot.runners.webhook import run_webhook
from bot.services.health import check_health
from bot.services.metrics import Metrics
from bot.web import WebListener
from tests.conftest import eventually, make_settings, real_kb
from tests.postgres import free_port

SECRET = "s3cret_-token"
HOOK = "https://bot.example.org/telegram/hook"


@contextlib.asynccontextmanager
async def webhook_bot(tmp_path: Path, database_url: str) -> AsyncIterator[tuple[FakeTelegram, str]]:
    server = FakeTelegram()
    await server.start()
    port = free_port()
    settings = make_settings(
        tmp_path,
        server.url,
        database_url=database_url,
        webhook_url=HOOK,
        webhook_secret=SECRET,
        web_host="127.0.0.1",
        web_port=port,
    )
    stop = asyncio.Event()
    serving = asyncio.create_task(run_webhook(settings, real_kb(), stop))
    try:
        await server.wait_for(lambda c: c[0] == "setWebhook", timeout=30)
        yield server, f"http://127.0.0.1:{port}"
    finally:
        stop.set()
        await asyncio.wait_for(serving, 15)
        await server.stop()


def sent_to(server: FakeTelegram, chat_id: int) -> list[dict]:
    return [p for m, p in server.calls if m == "sendMessage" and p.get("chat_id") == chat_id]


def samples(exposition: str) -> dict[tuple[str, tuple], float]:
    return {
        (s.name, tuple(sorted(s.labels.items()))): s.value
        for family in text_string_to_metric_families(exposition)
        for s in family.samples
    }


async def test_the_webhook_takes_only_telegrams_updates_each_once(tmp_path, database_url):
    async with (
        webhook_bot(tmp_path, database_url) as (server, base),
        aiohttp.ClientSession() as http,
    ):
        hook = next(p for m, p in server.calls if m == "setWebhook")
        assert hook["url"] == HOOK and hook["secret_token"] == SECRET
        assert "chat_member" in hook["allowed_updates"]  # the operator roster needs them

        voter = UpdateFactory().user(501, "Aliya", "ru")
        update = UpdateFactory().message(voter, "Когда выборы?")
        url = base + "/telegram/hook"
        for headers in ({}, {"X-Telegram-Bot-Api-Secret-Token": "wrong"}):
            async with http.post(url, json=update, headers=headers) as response:
                assert response.status == 401
        await asyncio.sleep(0.3)
        assert sent_to(server, 501) == []  # a forged post has no effect

        right = {"X-Telegram-Bot-Api-Secret-Token": SECRET}
        for _ in range(2):  # Telegram sends it again when the answer is slow
            async with http.post(url, json=update, headers=right) as response:
                assert response.status == 200

        async def answers() -> list[dict]:
            return sent_to(server, 501)

        answer = await eventually(answers, "the voter's answer")
        assert "2023" in answer[0]["text"]  # the election's date
        await asyncio.sleep(0.5)  # would a second answer follow?
        assert len(sent_to(server, 501)) == 1

        async with http.get(base + "/healthz") as response:
            assert response.status == 200
            health = await response.json()
        assert health["ok"] is True and health["database"] == "ok"
        assert health["outbox"]["backlog"] == 0
        assert health["operators_chats"] == {str(OPERATORS): True}

        async with http.get(base + "/metrics") as response:
            assert response.status == 200
            assert response.headers["Content-Type"].startswith("text/plain")
            figures = samples(await response.text())
        assert figures[("saylau_updates_total", (("type", "message"),))] == 2
        answered = (("lang", "ru"), ("outcome", "answer"))
        assert figures[("saylau_match_outcomes_total", answered)] >= 1
        assert figures[("saylau_sends_total", (("result", "sent"),))] >= 1
        assert figures[("saylau_outbox_backlog", ())] == 0
        assert figures[("saylau_reply_seconds_count", ())] >= 1


async def test_healthz_says_503_when_the_database_cannot_be_read(tmp_path):
    garbage = tmp_path / "broken.db"
    garbage.write_bytes(b"not a database, " * 512)
    broken = create_engine(f"sqlite+aiosqlite:///{garbage}")
    operators = OperatorsChats([OPERATORS])
    report = await check_health(session_factory(broken), operators)
    assert report["ok"] is False and report["database"] == "unreachable"
    assert "outbox" not in report

    listener = WebListener(session_factory(broken), operators, Metrics(), "127.0.0.1", 0)
    await listener.start()
    try:
        async with (
            aiohttp.ClientSession() as http,
            http.get(f"http://127.0.0.1:{listener.bound_port}/healthz") as response,
        ):
            assert response.status == 503
            assert (await response.json())["operators_chats"] == {str(OPERATORS): True}
    finally:
        await listener.stop()
        await broken.dispose()


@pytest.mark.parametrize(
    ("overrides", "complaint"),
    [
        ({"webhook_url": HOOK}, "WEBHOOK_SECRET is required"),
        ({"webhook_url": "http://bot.example.org/hook", "webhook_secret": SECRET}, "https"),
        ({"webhook_url": HOOK, "webhook_secret": "no spaces allowed"}, "A-Z, a-z, 0-9"),
    ],
)
def test_webhook_settings_are_checked_with_a_clear_message(overrides, complaint):
    with pytest.raises(ConfigError, match=complaint):
        load_settings(bot_token="1:x", **overrides)


def test_the_listener_runs_in_webhook_mode_and_where_a_port_is_given():
    assert load_settings(webhook_url=HOOK, webhook_secret=SECRET).listen_port == 8080
    assert load_settings(web_port=9100).listen_port == 9100
    assert load_settings().listen_port is None
