"""A burst of tickets reaches the operators completely and exactly once: 200 voters ask for an
operator at once, the fake Bot API enforces Telegram's flood control (on a clock 60 times
faster), Telegram answers 429 to everything for the group in the middle of the drain, and the
bot (`python -m bot run`, as in production) is SIGKILLed then. After the restart every card is
in the group exactly once, and every operator's reply reaches its voter exactly once."""

from __future__ import annotations

import asyncio
import re
import signal
import sqlite3
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from bot.handlers.keyboards import AskOperator
from bot.offline import UpdateFactory
from bot.offline.limits import GLOBAL_PER_SECOND, GROUP_PER_MINUTE, SENDING, TelegramLimits
from bot.offline.scene import GROUP, UNKNOWN
from bot.offline.server import FakeTelegram
from tests.conftest import OPERATORS, running_bot
from tests.desk_helpers import ask_operator
from tests.test_restart import start_bot, stop_bot

VOTERS = 200
SCALE = 60.0  # one Telegram minute is one second here
CARD = re.compile(r"🎫 <b>#T(\d+)</b>")


class Voters:
    """Each voter presses "Ask an operator" as soon as the bot offers it."""

    def __init__(self, server: FakeTelegram) -> None:
        self.server = server
        self.updates = UpdateFactory()
        langs = ["kk", "ru", "en"]
        self.users = {
            20_000 + i: self.updates.user(20_000 + i, f"Voter{i}", langs[i % 3])
            for i in range(VOTERS)
        }
        server.observers.append(self._press_ask)

    def ask(self) -> None:
        for user in self.users.values():
            self.server.push(self.updates.message(user, UNKNOWN[user["language_code"]]))

    def _press_ask(self, method: str, params: dict[str, Any], result: Any) -> None:
        chat = params.get("chat_id")
        if method != "sendMessage" or chat not in self.users:
            return
        for row in (params.get("reply_markup") or {}).get("inline_keyboard", []):
            for button in row:
                if button.get("callback_data", "").startswith(AskOperator.__prefix__):
                    self.server.push(
                        self.updates.callback(self.users[chat], button["callback_data"], result)
                    )


def cards(server: FakeTelegram) -> Counter[int]:
    """How many times Telegram accepted each ticket's card."""
    return Counter(
        int(match.group(1))
        for method, params in server.calls
        if method == "sendMessage"
        and params.get("chat_id") == OPERATORS
        and (match := CARD.search(params.get("text", "")))
    )


def count(db: Path, sql: str, *params: object) -> int:
    with sqlite3.connect(db, timeout=30) as connection:
        return connection.execute(sql, params).fetchone()[0]


def tickets_in(db: Path) -> int:
    """Tickets stored so far (0 while the bot is still creating its database)."""
    try:
        return count(db, "SELECT count(*) FROM tickets")
    except sqlite3.OperationalError:
        return 0


def sending_to(db: Path, chat_id: int) -> int:
    """Rows for the chat that the bot has claimed and not yet recorded as sent or refused."""
    sql = "SELECT count(*) FROM outbox WHERE chat_id = ? AND status = 'sending'"
    return count(db, sql, chat_id)


async def until(check, what: str, timeout: float) -> None:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while not check():
        if loop.time() > deadline:
            raise AssertionError(f"not within {timeout} s: {what}")
        await asyncio.sleep(0.05)


@pytest.mark.timeout(300)
async def test_a_burst_of_tickets_survives_429s_and_a_sigkill(tmp_path):
    scaled = {
        "RATE_CHAT_INTERVAL": str(1.0 / SCALE),
        "RATE_GROUP_PER_MINUTE": str(GROUP_PER_MINUTE),
        "RATE_GROUP_WINDOW_SECONDS": str(60.0 / SCALE),
        "RATE_GLOBAL_PER_SECOND": str(int(GLOBAL_PER_SECOND * SCALE)),
        "FLOOD_MESSAGES": "100",
    }
    server = FakeTelegram()
    server.limiter = TelegramLimits(SCALE)
    await server.start()
    voters = Voters(server)
    log = tmp_path / "bot.log"
    db = tmp_path / "bot.db"
    url = f"sqlite+aiosqlite:///{db}"
    bot = start_bot(server, url, log, **scaled)
    try:
        await server.wait_for(lambda c: c[0] == "getMe", timeout=60)
        voters.ask()
        # Every ticket is stored (so no update is in the bot's hands) while cards still drain.
        await until(lambda: tickets_in(db) == VOTERS, "200 tickets", timeout=120)
        await until(lambda: len(cards(server)) >= 40, "cards begin to arrive", timeout=60)
        assert len(cards(server)) < VOTERS, "the drain ended before the kill: nothing tested"

        # Telegram refuses everything for the group; once a refusal reached the bot and no row
        # for the group is being sent, no card is between "accepted" and "recorded as sent"
        # (up to GROUP_PARALLEL go to a group at once, so a refusal alone does not say that).
        refused = len(server.failed_calls)
        for method in SENDING:
            server.fail(
                method, 429, "Too Many Requests", retry_after=1, count=-1, chat_id=OPERATORS
            )
        await until(
            lambda: any(
                str(p.get("chat_id")) == str(OPERATORS) for _, p in server.failed_calls[refused:]
            ),
            "a refused card",
            timeout=30,
        )
        await until(lambda: sending_to(db, OPERATORS) == 0, "no card in flight", timeout=30)
        bot.send_signal(signal.SIGKILL)
        assert bot.wait(timeout=10) == -signal.SIGKILL
        before_restart = len(cards(server))
        server.failures.clear()

        bot = start_bot(server, url, log, **scaled)
        await until(lambda: len(cards(server)) == VOTERS, "every card", timeout=120)
        await asyncio.sleep(2)  # would a duplicate follow?
        seen = cards(server)
        assert sorted(seen) == list(range(1, VOTERS + 1))
        assert [n for n, count in seen.items() if count > 1] == []
        assert 0 < before_restart < VOTERS

        # Every operator's reply reaches its voter exactly once.
        operator = voters.updates.user(7001, "Aliya", "ru")
        group_cards = [
            m
            for m in server.api.messages.values()
            if m["chat"]["id"] == OPERATORS and m.get("text", "").startswith("🎫 #T")
        ]
        assert len(group_cards) == VOTERS
        for card in group_cards:
            server.push(
                voters.updates.message(
                    operator, "Ответ оператора", chat=GROUP, reply_to_message=card
                )
            )

        def answers() -> Counter[int]:
            return Counter(
                p["chat_id"]
                for m, p in server.calls
                if m == "copyMessage" and p.get("chat_id") in voters.users
            )

        await until(lambda: len(answers()) == VOTERS, "every answer", timeout=120)
        await asyncio.sleep(2)
        assert set(answers().values()) == {1}
    finally:
        await stop_bot(bot)
        await server.stop()
    assert "Traceback" not in log.read_text(encoding="utf-8")


async def test_a_voter_behind_a_long_queue_is_told_how_long(tmp_path):
    """One card a minute to the group: the fourth voter's card waits behind two or three
    others, and they are told about how many minutes; the first voter is not."""
    async with running_bot(tmp_path, rate_group_per_minute=1, rate_group_window_seconds=60) as h:
        replies = []
        for n in range(4):
            replies.append(
                await ask_operator(h, h.user(30_000 + n, language_code="en"), UNKNOWN["en"])
            )
    assert "Many questions are arriving" not in replies[0]["text"]
    last = replies[-1]["text"]
    assert "passed to an operator as #T4" in last
    assert re.search(r"operators will see yours in about [23] min\.", last), last
