"""How many updates a second the bot takes in, beside a bare aiogram echo bot in the same run.

    python benchmarks/throughput_bench.py [--users 1000] [--steady-rate 200] [--steady-seconds 10]
                                          [--paced] [--no-echo] [--repeat K]
                                          [--profile FILE]

Both bots run as their own processes (`python -m bot run`, `benchmarks/echo_bot.py`) against the
project's fake Bot API server in this process. With the bot's global pacing cap lifted
(RATE_GLOBAL_PER_SECOND=100000) the bot's own capacity is measured:

- a burst of N questions from N users at once (each FAQ-answerable), updates/s until every
  user has had a reply;
- a burst of N button presses (👍 under those answers; the echo bot answers any press),
  updates/s until every press was answered;
- a steady stream at --steady-rate updates/s from new users: p50/p99 time to first reply;
- the bot's peak memory, and how many questions it stored (read from its database).

--paced runs one more burst with the real limits: the fake server applies Telegram's flood
control (30 messages a second overall) and the bot its default pacing; it prints the drain time
against the lower bound those limits set. Prints figures; asserts nothing.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import signal
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from bot.handlers.keyboards import Rate
from bot.offline import UpdateFactory
from bot.offline.limits import GLOBAL_PER_SECOND, TelegramLimits
from bot.offline.server import FakeTelegram

ROOT = Path(__file__).resolve().parent.parent
TOKEN = "123456:BENCH-token"
QUESTIONS = {
    "kk": ["Сайлау қашан өтеді?", "Дауыс беру қанша уақытқа дейін?", "Байқаушы кім бола алады?"],
    "ru": ["Когда выборы?", "Где мой избирательный участок?", "Кто может быть наблюдателем?"],
    "en": ["When is the election?", "How many seats are in the Mazhilis?", "Who can observe?"],
}


class Users:
    """Users who write and press, and when each got their first reply."""

    def __init__(self, server: FakeTelegram) -> None:
        self.server = server
        self.updates = UpdateFactory()
        self.sent_at: dict[int, float] = {}
        self.replied_at: dict[int, float] = {}
        self.replies: dict[int, tuple[dict[str, Any], dict[str, Any]]] = {}  # params, result
        self.pressed_at: dict[str, float] = {}
        self.press_answered_at: dict[str, float] = {}
        self._next_id = 10_000
        server.observers.append(self.observe)

    def new_users(self, count: int) -> list[dict[str, Any]]:
        langs = list(QUESTIONS)
        users = []
        for _ in range(count):
            lang = langs[self._next_id % 3]
            users.append(self.updates.user(self._next_id, f"User{self._next_id}", lang))
            self._next_id += 1
        return users

    def ask(self, user: dict[str, Any]) -> None:
        questions = QUESTIONS[user["language_code"]]
        self.sent_at[user["id"]] = time.monotonic()
        self.server.push(self.updates.message(user, questions[user["id"] % len(questions)]))

    def press(self, user: dict[str, Any], data: str, message: dict[str, Any]) -> None:
        update = self.updates.callback(user, data, message)
        self.pressed_at[update["callback_query"]["id"]] = time.monotonic()
        self.server.push(update)

    def observe(self, method: str, params: dict[str, Any], result: Any) -> None:
        now = time.monotonic()
        if method == "sendMessage":
            chat = int(params["chat_id"])
            if chat in self.sent_at and chat not in self.replied_at:
                self.replied_at[chat] = now
                self.replies[chat] = (params, result)
        elif method == "answerCallbackQuery":
            self.press_answered_at.setdefault(params["callback_query_id"], now)


def thumbs_up(params: dict[str, Any]) -> str:
    """The 👍 button's data under an answer; the echo bot's replies have none: any data."""
    for row in (params.get("reply_markup") or {}).get("inline_keyboard", []):
        for button in row:
            data = button.get("callback_data", "")
            if data.startswith(Rate.__prefix__ + ":") and Rate.unpack(data).useful:
                return data
    return "press"


async def until(done: Callable[[], bool], timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while not done():
        if time.monotonic() > deadline:
            return False
        await asyncio.sleep(0.005)
    return True


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))] if ordered else float("nan")


def peak_rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


class BotProcess:
    def __init__(
        self, command: list[str], env: dict[str, str], log: Path, profile: Path | None = None
    ) -> None:
        self.command, self.env, self.log, self.profile = command, env, log, profile
        self.process: subprocess.Popen | None = None
        self.profiler: subprocess.Popen | None = None

    async def start(self, server: FakeTelegram) -> None:
        server.polling.clear()
        log = self.log.open("ab")
        self.process = subprocess.Popen(
            self.command, cwd=ROOT, env=self.env, stdout=log, stderr=log
        )
        await asyncio.wait_for(server.polling.wait(), timeout=120)
        await asyncio.sleep(0.5)  # start-up calls done
        if self.profile:
            self.profiler = subprocess.Popen(
                [str(Path(sys.executable).parent / "py-spy"), "record", "--pid",
                 str(self.process.pid), "--format", "raw", "--rate", "250", "-o",
                 str(self.profile)],
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )  # fmt: skip

    async def stop(self) -> float:
        """SIGTERM, waited for without blocking the loop (the fake server answers the bot's
        last calls while it shuts down); the peak memory it reached."""
        assert self.process is not None
        rss = peak_rss_mb(self.process.pid)
        if self.profiler:  # py-spy writes its samples on SIGINT
            self.profiler.send_signal(signal.SIGINT)
            await until(lambda: self.profiler.poll() is not None, timeout=30)
        self.process.terminate()
        await until(lambda: self.process.poll() is not None, timeout=30)
        return rss


async def measure(name: str, bot: BotProcess, args: argparse.Namespace) -> dict[str, float]:
    server = FakeTelegram()
    await server.start()
    bot.env["TELEGRAM_API_URL"] = server.url
    users = Users(server)
    figures: dict[str, float] = {}
    try:
        await bot.start(server)
        # a burst of questions
        crowd = users.new_users(args.users)
        started = time.monotonic()
        for user in crowd:
            users.ask(user)
        ids = [u["id"] for u in crowd]
        await until(lambda: all(i in users.replied_at for i in ids), timeout=600)
        last = max(users.replied_at.get(i, started) for i in ids)
        replied = sum(i in users.replied_at for i in ids)
        figures["questions/s"] = replied / (last - started)
        figures["questions replied"] = replied
        # a burst of presses under those replies
        started = time.monotonic()
        for user in crowd:
            if user["id"] in users.replies:
                params, result = users.replies[user["id"]]
                users.press(user, thumbs_up(params), result)
        presses = list(users.pressed_at)
        await until(lambda: all(p in users.press_answered_at for p in presses), timeout=600)
        last = max(users.press_answered_at.get(p, started) for p in presses)
        answered = sum(p in users.press_answered_at for p in presses)
        figures["presses/s"] = answered / (last - started)
        figures["presses answered"] = answered
        # a steady stream from new users
        steady = users.new_users(int(args.steady_rate * args.steady_seconds))
        started = time.monotonic()
        for n, user in enumerate(steady):
            await asyncio.sleep(max(0.0, started + n / args.steady_rate - time.monotonic()))
            users.ask(user)
        ids = [u["id"] for u in steady]
        await until(lambda: all(i in users.replied_at for i in ids), timeout=600)
        waits = [users.replied_at[i] - users.sent_at[i] for i in ids if i in users.replied_at]
        figures["steady p50 ms"] = 1000 * percentile(waits, 0.50)
        figures["steady p99 ms"] = 1000 * percentile(waits, 0.99)
        figures["steady replied"] = len(waits)
        figures["sent"] = len(crowd) + len(steady)
    finally:
        figures["peak RSS MB"] = await bot.stop()
        await server.stop()
    print(f"  {name}: " + ", ".join(f"{k} {v:.0f}" for k, v in figures.items()), flush=True)
    return figures


async def paced_burst(bot: BotProcess, count: int) -> None:
    """A burst under Telegram's real limits and the bot's default pacing."""
    server = FakeTelegram()
    server.limiter = TelegramLimits(1.0)
    await server.start()
    bot.env["TELEGRAM_API_URL"] = server.url
    users = Users(server)
    try:
        await bot.start(server)
        crowd = users.new_users(count)
        started = time.monotonic()
        for user in crowd:
            users.ask(user)
        ids = [u["id"] for u in crowd]
        await until(lambda: all(i in users.replied_at for i in ids), timeout=count)
        drained = max(users.replied_at.get(i, started) for i in ids) - started
    finally:
        await bot.stop()
        await server.stop()
    bound = count / GLOBAL_PER_SECOND
    replied = sum(i in users.replied_at for i in ids)
    print(
        f"paced burst of {count}: {replied} replied, drain {drained:.1f} s, bound {bound:.1f} s, "
        f"ratio {drained / bound:.3f}, 429s {server.rate_limited}"
    )


def stored_questions(db: Path) -> int:
    with sqlite3.connect(db, timeout=30) as connection:
        (count,) = connection.execute("SELECT count(*) FROM questions").fetchone()
    return count


def saylau(workdir: Path, db: Path, profile: Path | None = None, **extra: str) -> BotProcess:
    env = {
        **os.environ,
        "BOT_TOKEN": TOKEN,
        "DATABASE_URL": f"sqlite+aiosqlite:///{db}",
        "LOG_LEVEL": os.environ.get("LOG_LEVEL", "WARNING"),
        "FLOOD_MESSAGES": "1000",
        **extra,
    }
    return BotProcess([sys.executable, "-m", "bot", "run"], env, workdir / "bot.log", profile)


def medians(runs: list[dict[str, float]]) -> dict[str, float]:
    return {key: statistics.median(run[key] for run in runs) for key in runs[0]}


async def run(args: argparse.Namespace) -> None:
    """--repeat K alternates the two bots K times (so a drift of the machine touches both) and
    compares their medians: single runs here vary by about 15 %."""
    workdir = Path(tempfile.mkdtemp(prefix="throughput-"))
    print(f"{args.users} users; steady {args.steady_rate:g}/s for {args.steady_seconds:g} s")
    echoes: list[dict[str, float]] = []
    ours: list[dict[str, float]] = []
    env = {**os.environ, "BOT_TOKEN": TOKEN}
    echo_bot = BotProcess([sys.executable, "benchmarks/echo_bot.py"], env, workdir / "echo.log")
    for k in range(args.repeat):
        if not args.no_echo:
            echoes.append(await measure("echo bot ", echo_bot, args))
        db = workdir / f"lifted-{k}.db"
        profile = args.profile if k == 0 else None
        lifted = saylau(workdir, db, profile, RATE_GLOBAL_PER_SECOND="100000")
        ours.append(await measure("saylau-bot", lifted, args))
        print(f"  questions stored: {stored_questions(db)} of {ours[-1]['sent']:.0f} sent")
    mine = medians(ours)
    if args.repeat > 1:
        print(f"medians of {args.repeat}:")
        for name, runs in (("echo bot ", echoes), ("saylau-bot", ours)):
            if runs:
                figures = medians(runs)
                print(f"  {name}: " + ", ".join(f"{k} {v:.0f}" for k, v in figures.items()))
    if echoes:
        theirs = medians(echoes)
        for key in ("questions/s", "presses/s"):
            print(f"  {key} ratio to echo: {mine[key] / theirs[key]:.2f}")
    if args.paced:
        await paced_burst(saylau(workdir, workdir / "paced.db"), args.users)
    print(f"logs in {workdir}")


def positive(text: str) -> int:
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError("must be 1 or more")
    return value


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--users", type=int, default=1000)
    parser.add_argument("--steady-rate", type=float, default=200.0)
    parser.add_argument("--steady-seconds", type=float, default=10.0)
    parser.add_argument("--paced", action="store_true")
    parser.add_argument("--no-echo", action="store_true")
    parser.add_argument(
        "--repeat", type=positive, default=1, help="runs of each bot, compared by their medians"
    )
    parser.add_argument(
        "--profile", type=Path, help="py-spy samples of the bot (lifted cap) to FILE, raw format"
    )
    asyncio.run(run(parser.parse_args()))


if __name__ == "__main__":
    main()
