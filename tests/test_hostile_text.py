"""Hostile text at scale: Hypothesis feeds the matcher and the real dispatcher random Unicode of
every length up to Telegram's 4,096 characters, with entities, control characters, RTL marks
and HTML. Nothing raises, and everything the bot sends is HTML that Telegram's parser takes,
no longer than Telegram allows, even when it quotes the voter (the operators' card)."""

from __future__ import annotations

import asyncio
import html
import itertools
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from bot.app import App, create_app, create_bot
from bot.faq.loader import TELEGRAM_TEXT_LIMIT, html_problems
from bot.handlers.keyboards import AskOperator
from bot.offline import OfflineBotApi, UpdateFactory
from bot.runners.console import OfflineSession
from tests.conftest import buttons, make_settings, real_kb

TRICKY = [
    "<b>",
    "</b>",
    "<i>",
    "<a href='javascript:x'>",
    "</a>",
    "<script>alert(1)</script>",
    "<",
    ">",
    "&",
    "&amp;",
    "&lt;",
    "&#0;",
    "&#x110000;",
    '"',
    "'",
    "\u202e",
    "\u202d",
    "\u200f",
    "\u200e",
    "\u2066",
    "\u200b",
    "\ufeff",
    "\x00",
    "\x07",
    "\x1b[31m",
    "\x7f",
    "\r\n",
    "\t",
    "/start",
    "/faq",
    "@bot",
    "#T1",
    "🗳️",
    "👨‍👩‍👧",
    "ё",
    "ә",
    "қ",
    "ң",
    "ү",
    "ұ",
    "і",
    "һ",
    "сайлау",
    "выборы",
    "election",
    "ИИН 900101300123",
    "  ",
    "\n",
]
hostile_text = st.one_of(
    st.text(max_size=300),
    st.text(min_size=3000, max_size=TELEGRAM_TEXT_LIMIT),
    st.lists(st.sampled_from(TRICKY), max_size=400).map("".join),
    st.builds(
        lambda piece, times: (piece * times)[:TELEGRAM_TEXT_LIMIT],
        st.sampled_from(TRICKY),
        st.integers(1, TELEGRAM_TEXT_LIMIT),
    ),
).filter(lambda text: text.strip() != "")
ENTITY_TYPES = ["bold", "italic", "code", "pre", "url", "mention", "bot_command", "spoiler"]


@st.composite
def message_entities(draw: st.DrawFn, text: str) -> list[dict[str, Any]]:
    size = len(text.encode("utf-16-le")) // 2
    entities = []
    for _ in range(draw(st.integers(0, 3))):
        offset = draw(st.integers(0, max(0, size - 1)))
        length = draw(st.integers(1, max(1, size - offset)))
        entities.append(
            {"type": draw(st.sampled_from(ENTITY_TYPES)), "offset": offset, "length": length}
        )
    return entities


@st.composite
def hostile_messages(draw: st.DrawFn) -> tuple[str, list[dict[str, Any]]]:
    text = draw(hostile_text)
    return text, draw(message_entities(text))


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(text=hostile_text)
def test_the_matcher_takes_any_text(text):
    result = real_kb().matcher.match(text)
    assert result.lang in ("kk", "ru", "en")
    named = [result.entry_id, *result.suggestions]
    assert all(entry_id in real_kb().entries for entry_id in named if entry_id is not None)


class OfflineBot:
    """The real app on an event loop of its own, answering through the offline Bot API, so
    that a synchronous Hypothesis test can drive it example after example."""

    def __init__(self, tmp_path: Path) -> None:
        self.loop = asyncio.new_event_loop()
        self.api = OfflineBotApi()
        self.updates = UpdateFactory()
        self.users = itertools.count(10_000_000)
        self.app: App = self.run(
            create_app(make_settings(tmp_path, "http://offline", flood_messages=10**6), real_kb())
        )
        self.bot = create_bot(
            self.app.settings, "0:offline", session=OfflineSession(self.api, lambda *_: None)
        )
        dp = self.app.dispatcher
        self.run(dp.emit_startup(bot=self.bot, dispatcher=dp, **dp.workflow_data))

    def run(self, coroutine: Any) -> Any:
        return self.loop.run_until_complete(coroutine)

    def feed(self, update: dict[str, Any]) -> list[tuple[str, dict[str, Any]]]:
        """The update through the dispatcher (raising on any bug); what the bot sent for it."""
        mark = len(self.api.calls)
        self.run(self.app.dispatcher.feed_raw_update(self.bot, update))
        self.run(self.app.delivery.idle())
        return self.api.calls[mark:]

    def close(self) -> None:
        dp = self.app.dispatcher
        self.run(dp.emit_shutdown(bot=self.bot, dispatcher=dp, **dp.workflow_data))
        self.run(self.app.close())
        self.loop.close()


@pytest.fixture(scope="module")
def offline_bot(tmp_path_factory) -> Iterator[OfflineBot]:
    bot = OfflineBot(tmp_path_factory.mktemp("hostile"))
    yield bot
    bot.close()


_TAG = re.compile(r"<[^>]+>")


def _assert_telegram_takes(sent: list[tuple[str, dict[str, Any]]]) -> None:
    for method, params in sent:
        text = params.get("text") or params.get("caption")
        if text is None:
            continue
        assert html_problems(text) == [], (method, text[:200])
        visible = html.unescape(_TAG.sub("", text))
        assert len(visible.encode("utf-16-le")) // 2 <= TELEGRAM_TEXT_LIMIT, method


@settings(
    max_examples=150,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@given(message=hostile_messages())
def test_handlers_answer_any_text_with_valid_html(offline_bot, message):
    text, entities = message
    user = offline_bot.updates.user(next(offline_bot.users), language_code="ru")
    update = offline_bot.updates.message(user, text)
    update["message"]["entities"] = entities or update["message"].get("entities", [])
    sent = offline_bot.feed(update)
    assert any(params.get("chat_id") == user["id"] for _, params in sent), "no answer"
    _assert_telegram_takes(sent)
    # If the bot offers an operator, the voter's words reach the group as a card that
    # Telegram takes too.
    reply = next(p for m, p in reversed(sent) if p.get("chat_id") == user["id"] and "text" in p)
    ask = [data for _, data in buttons(reply) if data.startswith(AskOperator.__prefix__)]
    event("an operator offered" if ask else "no operator offered")
    if ask:
        message_stub = {"message_id": 1, "date": 0, "chat": offline_bot.api.chat(user["id"])}
        pressed = offline_bot.feed(offline_bot.updates.callback(user, ask[0], message_stub))
        assert any(m == "sendMessage" and p["chat_id"] < 0 for m, p in pressed), "no card"
        _assert_telegram_takes(pressed)
