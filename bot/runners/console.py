"""Chat with the real bot in a terminal: same dispatcher and handlers, no token, no network.

Bot API calls go to an in-memory OfflineBotApi instead of Telegram; what the bot sends is
printed, and inline buttons and quiz poll options are shown as numbers to type.
"""

from __future__ import annotations

import asyncio
import html
import json
import re
import sys
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TextIO

from aiogram import Bot
from aiogram.client.session.base import BaseSession
from aiogram.methods import TelegramMethod

from bot.app import create_app, create_bot
from bot.config import Settings
from bot.offline import OfflineBotApi, UpdateFactory

CONSOLE_USER_ID = 1
_LINK = re.compile(r'<a href="([^"]*)">(.*?)</a>', re.S)
_TAG = re.compile(r"<[^>]+>")


class OfflineSession(BaseSession):
    """An aiogram session that answers from OfflineBotApi instead of the network."""

    def __init__(
        self, api: OfflineBotApi, listener: Callable[[str, dict[str, Any], Any], None]
    ) -> None:
        super().__init__()
        self.api = api
        self.listener = listener

    async def make_request(self, bot: Bot, method: TelegramMethod, timeout: int | None = None):
        params = {}
        for key, value in method.model_dump(warnings=False).items():
            prepared = self.prepare_value(value, bot=bot, files={})
            if prepared:
                params[key] = prepared
        result = self.api.call(method.__api_method__, params)
        self.listener(method.__api_method__, self.api.calls[-1][1], result)
        response = self.check_response(bot, method, 200, json.dumps({"ok": True, "result": result}))
        return response.result

    async def stream_content(self, *args: Any, **kwargs: Any):  # pragma: no cover
        raise NotImplementedError("no files offline")
        yield b""

    async def close(self) -> None:
        return None


def plain_text(telegram_html: str) -> str:
    text = _LINK.sub(lambda m: f"{m.group(2)} ({m.group(1)})", telegram_html)
    return html.unescape(_TAG.sub("", text))


@dataclass
class Choice:
    """What typing a number does: press a button under `message`, or answer its poll."""

    message: dict[str, Any]
    callback_data: str = ""
    option: int | None = None  # a poll option


class ConsolePrinter:
    """Prints what the bot sends; remembers the buttons and poll options it can answer."""

    def __init__(self, out: TextIO) -> None:
        self.out = out
        self.choices: list[Choice] = []

    def __call__(self, method: str, params: dict[str, Any], result: Any) -> None:
        if method in ("sendMessage", "editMessageText", "sendPoll") and isinstance(result, dict):
            self._show(result, params)
        elif method == "editMessageReplyMarkup" and isinstance(result, dict):
            self._forget(result)
        elif method == "answerCallbackQuery" and params.get("text"):
            self.out.write(f"\nbot (notice)> {params['text']}\n")
        self.out.flush()

    def _show(self, message: dict[str, Any], params: dict[str, Any]) -> None:
        poll = message.get("poll")
        if poll:
            self.out.write(f"\nbot> 📊 {poll['question']}\n")
            choices = [Choice(message, option=index) for index, _ in enumerate(poll["options"])]
            labels = [option["text"] for option in poll["options"]]
        else:
            self.out.write(f"\nbot> {plain_text(params.get('text', ''))}\n")  # as sent, with markup
            choices, labels = [], []
        rows = (params.get("reply_markup") or {}).get("inline_keyboard", [])
        for button in (b for row in rows for b in row):
            choices.append(Choice(message, callback_data=button.get("callback_data", "")))
            labels.append(button["text"])
        if choices:
            self.choices = choices
            for number, label in enumerate(labels, 1):
                self.out.write(f"     [{number}] {label}\n")

    def _forget(self, message: dict[str, Any]) -> None:
        """The buttons under this message are gone (edited away)."""
        self.choices = [c for c in self.choices if c.message is not message or c.option is not None]

    def choose(self, number: int, updates: UpdateFactory, user: dict[str, Any]) -> dict[str, Any]:
        """The update that typing `number` stands for."""
        choice = self.choices[number - 1]
        if choice.option is None:
            return updates.callback(user, choice.callback_data, choice.message)
        poll = choice.message["poll"]
        self.choices = [c for c in self.choices if c.message is not choice.message]
        right = choice.option in poll.get("correct_option_ids", [])
        verdict = "✅" if right else "❌"
        self.out.write(f"     {verdict} 💡 {poll.get('explanation', '')}\n")
        return updates.poll_answer(user, poll["id"], [choice.option])


async def run_console(settings: Settings, stdin: TextIO = sys.stdin, out: TextIO = sys.stdout):
    app = await create_app(settings)
    printer = ConsolePrinter(out)
    bot = create_bot(settings, "0:offline", session=OfflineSession(OfflineBotApi(), printer))
    updates = UpdateFactory()
    user = updates.user(CONSOLE_USER_ID, first_name="You")
    dispatcher = app.dispatcher
    await dispatcher.emit_startup(bot=bot, dispatcher=dispatcher, **dispatcher.workflow_data)
    out.write(
        "Offline chat with saylau-bot: no token, no network, the real bot logic.\n"
        "Type a message; type a number to press a button; /quit or Ctrl-D to leave.\n"
    )
    out.flush()
    try:
        while True:
            out.write("\nyou> ")
            out.flush()
            line = await asyncio.to_thread(stdin.readline)
            if not line or line.strip() == "/quit":
                break
            text = line.strip()
            if not text:
                continue
            if text.isdigit() and 0 < int(text) <= len(printer.choices):
                update = printer.choose(int(text), updates, user)
            else:
                update = updates.message(user, text)
            await dispatcher.feed_raw_update(bot, update)
            await app.delivery.idle()  # print the bot's replies before the next prompt
    finally:
        await dispatcher.emit_shutdown(bot=bot, dispatcher=dispatcher, **dispatcher.workflow_data)
        await app.close()
    out.write("\nBye!\n")
