"""Election-day load on the operator desk: every voter opens a ticket at once and gets an
operator's answer, through the fake Bot API server enforcing Telegram's sending limits.

    python benchmarks/escalation_bench.py [--voters 1000] [--scale 10] [--groups 1]

The bot runs as in production (`python -m bot run`, its own process) against the fake server.
Time is scaled: with --scale 10, six real seconds stand for one Telegram minute, so the limits
(about 1 message per second per chat, 20 per minute to one group, 30 per second overall) are
enforced 10 times faster, with a 5% timing tolerance for network jitter, and the bot's pacing is
configured with the same scaled limits. Operators answer every card as soon as it appears.
Voters write in kk, ru and en in turn; with --groups 2 or 3 the first languages get operators'
groups of their own (OPERATORS_CHATS), the rest share OPERATORS_CHAT_ID, each group with its
own 20 a minute.
Scaling compresses Telegram's limits but not the bot's own work: taking in the burst costs the
bot a fixed half-minute of CPU on a 2-core machine, which at ×60 weighs as much as half an hour
of Telegram time. ×10 keeps a run near five minutes while keeping that distortion small.

Prints: tickets created, answers delivered, lost, duplicated, 429s received, and the time until
the last answer reached its voter against the lower bound that the limits impose. Asserts nothing.
"""

from __future__ import annotations

import argparse
import asyncio
import math
import os
import re
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path
from typing import Any

from bot.handlers.keyboards import AskOperator
from bot.offline import UpdateFactory
from bot.offline.limits import (
    GLOBAL_PER_SECOND,
    GROUP_PER_MINUTE,
    PER_CHAT_BURST,
    SENDING,
    TelegramLimits,
)
from bot.offline.scene import OPERATORS, UNKNOWN
from bot.offline.server import FakeTelegram

ROOT = Path(__file__).resolve().parent.parent

TOKEN = "123456:BENCH-token"
LANGS = ("kk", "ru", "en")
MESSAGES_PER_VOTER = 4  # the bot's reply, "passed to an operator", the answer's header and copy
CARD = re.compile(r"🎫 <b>#T(\d+)</b>")


class Crowd:
    """The voters and the operators, reacting to what the bot sends."""

    def __init__(self, server: FakeTelegram, voters: int, groups: dict[str, int]) -> None:
        self.server = server
        self.updates = UpdateFactory()
        self.voters = {
            10_000 + i: self.updates.user(10_000 + i, f"Voter{i}", LANGS[i % 3])
            for i in range(voters)
        }
        self.groups = set(groups.values())
        self.operator = self.updates.user(7001, "Aliya", "ru")
        self.asked_at: dict[int, float] = {}
        self.answered_at: dict[int, float] = {}
        self.answers: Counter[int] = Counter()
        self.cards: set[int] = set()
        self.card_times: list[float] = []
        self.group_calls = 0
        server.observers.append(self.observe)

    def start(self) -> float:
        started = time.monotonic()
        for user_id, user in self.voters.items():
            self.asked_at[user_id] = started
            self.server.push(self.updates.message(user, UNKNOWN[user["language_code"]]))
        return started

    def observe(self, method: str, params: dict[str, Any], result: Any) -> None:
        chat = params.get("chat_id")
        if method in SENDING and chat in self.groups:
            self.group_calls += 1
        if method == "copyMessage" and chat in self.voters:
            self.answers[chat] += 1
            self.answered_at.setdefault(chat, time.monotonic())
        elif method == "sendMessage" and chat in self.voters:
            for row in (params.get("reply_markup") or {}).get("inline_keyboard", []):
                for button in row:
                    if button.get("callback_data", "").startswith(AskOperator.__prefix__):
                        self.server.push(
                            self.updates.callback(
                                self.voters[chat], button["callback_data"], result
                            )
                        )
        elif method == "sendMessage" and chat in self.groups:
            card = CARD.search(params["text"])
            if card and int(card.group(1)) not in self.cards:
                self.cards.add(int(card.group(1)))
                self.card_times.append(time.monotonic())
                group = {"id": chat, "type": "supergroup", "title": "Operators"}
                reply = self.updates.message(
                    self.operator, "Ответ оператора", chat=group, reply_to_message=result
                )
                self.server.push(reply)


def outbox_backlog(db: Path) -> int:
    with sqlite3.connect(db, timeout=30) as connection:
        (count,) = connection.execute(
            "SELECT count(*) FROM outbox WHERE status IN ('pending', 'sending')"
        ).fetchone()
    return count


def peak_rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def operators_groups(count: int) -> dict[str, int]:
    """The group of each voters' language: the first count-1 languages have their own."""
    return {lang: OPERATORS - 1 - n if n < count - 1 else OPERATORS for n, lang in enumerate(LANGS)}


async def run(voters: int, scale: float, groups: int) -> None:
    server = FakeTelegram()
    server.limiter = TelegramLimits(scale)
    await server.start()
    home = operators_groups(groups)
    crowd = Crowd(server, voters, home)
    workdir = Path(tempfile.mkdtemp(prefix="escalation-"))
    db = workdir / "bot.db"
    env = {
        **os.environ,
        "BOT_TOKEN": TOKEN,
        "TELEGRAM_API_URL": server.url,
        "DATABASE_URL": f"sqlite+aiosqlite:///{db}",
        "OPERATORS_CHAT_ID": str(OPERATORS),
        "OPERATORS_CHATS": ",".join(
            f"{lang}:{chat}" for lang, chat in home.items() if chat != OPERATORS
        ),
        "RATE_CHAT_INTERVAL": str(1.0 / scale),
        "RATE_CHAT_BURST": str(PER_CHAT_BURST),
        "RATE_GROUP_PER_MINUTE": str(GROUP_PER_MINUTE),
        "RATE_GROUP_WINDOW_SECONDS": str(60.0 / scale),
        "RATE_GLOBAL_PER_SECOND": str(int(GLOBAL_PER_SECOND * scale)),
        "LOG_LEVEL": "WARNING",
    }
    log = (workdir / "bot.log").open("wb")
    bot = subprocess.Popen(
        [sys.executable, "-m", "bot", "run"], cwd=ROOT, env=env, stdout=log, stderr=log
    )
    try:
        # the desk asks for its group once the app is built: start-up done, polling begins
        await server.wait_for(lambda c: c[0] == "getChat", timeout=60)
        await asyncio.sleep(0.5)  # start-up calls done
        group_window = 60.0 / scale
        cards = Counter(home[user["language_code"]] for user in crowd.voters.values())
        bound = max(
            # one card per ticket, each group at its own 20 a minute
            *((math.ceil(n / GROUP_PER_MINUTE) - 1) * group_window for n in cards.values()),
            voters * (MESSAGES_PER_VOTER + 1) / (GLOBAL_PER_SECOND * scale),
        )
        started = crowd.start()
        deadline = started + 3 * bound + 120
        while len(crowd.answered_at) < voters and time.monotonic() < deadline:
            await asyncio.sleep(0.05)
        drained = max(crowd.answered_at.values(), default=started) - started
        await asyncio.sleep(2)  # would a duplicate follow?
        while outbox_backlog(db) and time.monotonic() < deadline:
            await asyncio.sleep(0.2)
        settled = time.monotonic() - started
        rss = peak_rss_mb(bot.pid)
    finally:
        bot.terminate()
        while bot.poll() is None:  # the fake server answers its last calls meanwhile
            await asyncio.sleep(0.05)
        await server.stop()

    waits = sorted(crowd.answered_at[v] - crowd.asked_at[v] for v in crowd.answered_at)
    with sqlite3.connect(db) as connection:
        (tickets,) = connection.execute("SELECT count(*) FROM tickets").fetchone()
    lost = voters - len(crowd.answered_at)
    duplicated = sum(count - 1 for count in crowd.answers.values() if count > 1)
    unit = 60.0 / scale  # real seconds per Telegram minute
    print(f"voters {voters}, time scale ×{scale:g} (1 Telegram minute = {unit:g} s here)")
    spread = ", ".join(f"{chat}: {n}" for chat, n in sorted(cards.items()))
    print(f"operators' groups    {len(cards)} (cards per group {spread})")
    print(f"tickets created      {tickets}")
    print(f"answers delivered    {len(crowd.answered_at)}")
    print(f"lost                 {lost}")
    print(f"duplicated           {duplicated}")
    print(f"429s received        {server.rate_limited}")
    print(f"group messages       {crowd.group_calls} (cards and card updates)")
    print(
        f"drain (last answer)  {drained:.1f} s = {drained / unit:.1f} Telegram min; "
        f"lower bound {bound:.1f} s; ratio {drained / bound:.3f}"
    )
    if crowd.card_times:
        first, last = (at - started for at in (crowd.card_times[0], crowd.card_times[-1]))
        print(f"cards                first {first:.1f} s, last {last:.1f} s after the burst began")
    if waits:
        p50, p99 = statistics.median(waits), waits[int(0.99 * (len(waits) - 1))]
        print(f"question -> answer   p50 {p50 / unit:.1f} min, p99 {p99 / unit:.1f} min (Telegram)")
    print(f"outbox empty after   {settled:.1f} s (card status edits go after new tickets)")
    print(f"bot peak RSS         {rss:.0f} MB")
    print(f"bot log              {workdir / 'bot.log'}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--voters", type=int, default=1000)
    parser.add_argument("--scale", type=float, default=10.0)
    parser.add_argument("--groups", type=int, default=1, choices=range(1, len(LANGS) + 1))
    args = parser.parse_args()
    asyncio.run(run(args.voters, args.scale, args.groups))


if __name__ == "__main__":
    main()
