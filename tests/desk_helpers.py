"""Conversations with the operator desk, shared by the end-to-end and restart tests."""

from __future__ import annotations

from bot.handlers.keyboards import AskOperator
from bot.offline.scene import GROUP
from tests.conftest import OPERATORS, Chat, buttons

PASSED = {
    "kk": "Сұрағыңыз операторға",
    "ru": "Ваш вопрос передан оператору",
    "en": "Your question has been passed to an operator",
}


async def ask_operator(h: Chat, user, text: str) -> dict:
    """The voter asks something the bot cannot answer and presses "Ask an operator"."""
    reply = await h.say(user, text)
    data = next(d for _, d in buttons(reply) if d.startswith(AskOperator.__prefix__))
    mark = await h.press(user, data)
    return await h.next_message(user["id"], after=mark)


async def card_of(h: Chat, ticket_id: int) -> dict:
    """The ticket's card as the fake server keeps it (a message in the group)."""
    await h.server.wait_for(
        lambda c: (
            c[0] == "sendMessage"
            and c[1]["chat_id"] == OPERATORS
            and f"#T{ticket_id}</b>" in c[1]["text"]
        )
    )
    return next(
        m
        for m in h.server.api.messages.values()
        if m["chat"]["id"] == OPERATORS and m.get("text", "").startswith(f"🎫 #T{ticket_id} ")
    )


async def operator_says(h: Chat, operator: dict, text: str, **where) -> int:
    mark = len(h.server.calls)
    h.server.push(h.updates.message(operator, text, chat=GROUP, **where))
    return mark
