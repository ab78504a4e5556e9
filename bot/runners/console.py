"""Chat with the real bot in a terminal: same dispatcher and handlers, no token, no network.

Bot API calls go to an in-memory OfflineBotApi instead of Telegram; what the bot sends is
printed, and inline buttons and quiz poll options are shown as numbers to type. `/as operator`
plays the other half: the operators' group with its cards, where a reply reaches the voter.
"""

from __future__ import annotations

import asyncio
import html
import json
import re
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TextIO

from aiogram import Bot
from aiogram.client.session.base import BaseSession
from aiogram.methods import TelegramMethod

from bot.app import create_app, create_bot
from bot.config import Settings
from bot.offline import OfflineBotApi, UpdateFactory
from bot.offline.scene import GROUP, OPERATORS

CONSOLE_USER_ID = 1
CONSOLE_OPERATOR_ID = 2
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
    label: str
    callback_data: str = ""
    option: int | None = None  # a poll option


VOTER, OPERATOR = "voter", "operator"


class ConsolePrinter:
    """Prints what the bot sends, as the voter (a private chat) or an operator (the operators'
    group) sees it; what arrives for the other side is held and shown on `/as`. Remembers the
    buttons and poll options each side can answer."""

    def __init__(self, out: TextIO, group_id: int) -> None:
        self.out = out
        self.group_id = group_id
        self.view = VOTER
        self.choices: dict[str, list[Choice]] = {VOTER: [], OPERATOR: []}
        self.held: dict[str, list[str]] = {VOTER: [], OPERATOR: []}
        self.last_card: dict[str, Any] | None = None  # an operator's text replies to it
        self.typed: dict[tuple[int, int], str] = {}  # what people wrote, to show its copies

    def __call__(self, method: str, params: dict[str, Any], result: Any) -> None:
        side = OPERATOR if str(params.get("chat_id")) == str(self.group_id) else VOTER
        if method in ("sendMessage", "editMessageText", "sendPoll") and isinstance(result, dict):
            self._show(side, result, params)
        elif method == "copyMessage" and isinstance(result, dict):
            source = (int(params["from_chat_id"]), int(params["message_id"]))
            self._write(side, f"\nbot> {self.typed.get(source, '(a copied message)')}\n")
        elif method == "editMessageReplyMarkup" and isinstance(result, dict):
            self._forget(side, result)
        elif method == "answerCallbackQuery" and params.get("text"):
            self._write(self.view, f"\nbot (notice)> {params['text']}\n")
        self.out.flush()

    def _write(self, side: str, text: str) -> None:
        if side == self.view:
            self.out.write(text)
            return
        if not self.held[side]:
            where = "the operators' group" if side == OPERATOR else "the voter's chat"
            self.out.write(f"     (new in {where}: /as {side} to see it)\n")
        self.held[side].append(text)

    def switch(self, side: str) -> None:
        """Show the chat as `side` sees it, starting with what arrived there meanwhile."""
        self.view = side
        where = "the operators' group" if side == OPERATOR else "your chat with the bot"
        self.out.write(f"     — you are now the {side}, in {where} —\n")
        self.out.write("".join(self.held[side]))
        self.held[side].clear()

    def _show(self, side: str, message: dict[str, Any], params: dict[str, Any]) -> None:
        poll = message.get("poll")
        if poll:
            lines = [f"\nbot> 📊 {poll['question']}\n"]
            choices = [Choice(message, o["text"], option=i) for i, o in enumerate(poll["options"])]
        else:
            text = plain_text(params.get("text", ""))  # as sent, with markup
            lines, choices = [f"\nbot> {text}\n"], []
            if side == OPERATOR and text.startswith("🎫"):
                self.last_card = message
        rows = (params.get("reply_markup") or {}).get("inline_keyboard", [])
        for button in (b for row in rows for b in row):
            choices.append(Choice(message, button["text"], button.get("callback_data", "")))
        if choices:
            self.choices[side] = choices
            lines += [f"     [{n}] {c.label}\n" for n, c in enumerate(choices, 1)]
        self._write(side, "".join(lines))

    def _forget(self, side: str, message: dict[str, Any]) -> None:
        """The buttons under this message are gone (edited away)."""
        self.choices[side] = [
            c for c in self.choices[side] if c.message is not message or c.option is not None
        ]

    def choose(self, number: int, updates: UpdateFactory, user: dict[str, Any]) -> dict | None:
        """The update that typing `number` stands for; None (and says so) if there is no such
        button."""
        choices = self.choices[self.view]
        if not 0 < number <= len(choices):
            self.out.write(f"     (no button {number})\n")
            return None
        choice = choices[number - 1]
        self.out.write(f"     ↳ {choice.label}\n")  # the transcript shows what was pressed
        if choice.option is None:
            return updates.callback(user, choice.callback_data, choice.message)
        poll = choice.message["poll"]
        self.choices[self.view] = [c for c in choices if c.message is not choice.message]
        right = choice.option in poll.get("correct_option_ids", [])
        verdict = "✅" if right else "❌"
        self.out.write(f"     {verdict} 💡 {poll.get('explanation', '')}\n")
        return updates.poll_answer(user, poll["id"], [choice.option])

    def written(self, update: dict[str, Any]) -> dict[str, Any]:
        """Remember what a person wrote, so that the bot's copy of it can be shown."""
        message = update["message"]
        self.typed[(message["chat"]["id"], message["message_id"])] = message.get("text", "")
        return update


BANNER = """\
Offline chat with saylau-bot: no token, no network, the real bot logic.
Type a message; type a number to press a button; /quit or Ctrl-D to leave.
/as operator: be an operator in the operators' group (your text replies to the latest card,
numbers press its buttons); /as voter: back to the voter's chat.
"""


async def run_console(settings: Settings, stdin: TextIO = sys.stdin, out: TextIO = sys.stdout):
    # One operators' group shows every ticket here: the configured one, or one of its own.
    settings = settings.model_copy(
        update={"operators_chat_id": settings.operators_chat_id or OPERATORS, "operators_chats": {}}
    )
    app = await create_app(settings)
    group = {**GROUP, "id": settings.operators_chat_id}
    printer = ConsolePrinter(out, settings.operators_chat_id)
    bot = create_bot(settings, "0:offline", session=OfflineSession(OfflineBotApi(), printer))
    # Update ids go on from the last session's: handled ids are remembered in the database.
    updates = UpdateFactory(first_update_id=time.time_ns() // 1000)
    people = {
        VOTER: updates.user(CONSOLE_USER_ID, first_name="You"),
        OPERATOR: updates.user(CONSOLE_OPERATOR_ID, first_name="Operator"),
    }
    dispatcher = app.dispatcher
    await dispatcher.emit_startup(bot=bot, dispatcher=dispatcher, **dispatcher.workflow_data)
    out.write(BANNER)
    out.flush()
    try:
        while True:
            out.write(f"\n{'operator' if printer.view == OPERATOR else 'you'}> ")
            out.flush()
            line = await asyncio.to_thread(stdin.readline)
            text = line.strip()
            if line and not stdin.isatty():  # piped in: show what was typed, for the transcript
                out.write(f"{text}\n")
            if not line or text == "/quit":
                break
            if text in (f"/as {VOTER}", f"/as {OPERATOR}"):
                printer.switch(text.removeprefix("/as "))
                continue
            person = people[printer.view]
            if text.isdigit():
                update = printer.choose(int(text), updates, person)
            elif not text:
                continue
            elif printer.view == OPERATOR:
                card = printer.last_card
                where = {"reply_to_message": card} if card else {}
                update = printer.written(updates.message(person, text, chat=group, **where))
            else:
                update = printer.written(updates.message(person, text))
            if update is not None:
                await dispatcher.feed_raw_update(bot, update)
                await app.delivery.idle()  # print the bot's replies before the next prompt
    finally:
        await dispatcher.emit_shutdown(bot=bot, dispatcher=dispatcher, **dispatcher.workflow_data)
        await app.close()
    out.write("\nBye!\n")
