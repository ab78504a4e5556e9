"""bot.filters.Magic: a magic filter checked on the event loop, not in aiogram's worker thread."""

from __future__ import annotations

import threading
from datetime import datetime

from aiogram import F
from aiogram.dispatcher.event.handler import FilterObject
from aiogram.types import Chat, Message

from bot.filters.magic import Magic


def message(chat_type: str, text: str | None) -> Message:
    return Message(message_id=1, date=datetime.now(), chat=Chat(id=7, type=chat_type), text=text)


async def test_it_filters_as_the_magic_filter_does():
    private_question = Magic(F.chat.type == "private")
    not_a_command = Magic(F.text & ~F.text.startswith("/"))
    assert await private_question(message("private", "когда выборы?")) is True
    assert await private_question(message("supergroup", "когда выборы?")) is False
    assert await not_a_command(message("private", "когда выборы?")) is True
    assert await not_a_command(message("private", "/start")) is False
    assert await not_a_command(message("private", None)) is False  # a sticker has no text


async def test_aiogram_runs_it_on_the_loop_and_a_bare_magic_filter_in_a_thread():
    seen: list[str] = []
    where = F.func(lambda _: seen.append(threading.current_thread().name) or True)
    await FilterObject(where).call(message("private", "x"))
    await FilterObject(Magic(where)).call(message("private", "x"))
    assert seen[0] != threading.main_thread().name  # aiogram: asyncio.to_thread
    assert seen[1] == threading.main_thread().name
