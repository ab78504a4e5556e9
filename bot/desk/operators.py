"""Who may act as an operator: a current member of the operators' group, as Telegram says.

Membership is asked of Telegram (getChatMember) and kept for at most a minute; a chat_member
update about the group changes it at once. Who is behind a message (a person, the group's
anonymous administrator, a channel) is decided in bot.middlewares.operator.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

from aiogram import Bot
from aiogram.types import ChatMember

MEMBER_STATUSES = ("creator", "administrator", "member")
CACHE_SECONDS = 60.0


@dataclass(frozen=True)
class Operator:
    """Who acts on a ticket: recorded on it and shown on its card."""

    id: int
    name: str


def is_member(member: ChatMember) -> bool:
    """Telegram's answer read as "is in the group now"; a restricted member may still be."""
    if member.status in MEMBER_STATUSES:
        return True
    return member.status == "restricted" and bool(getattr(member, "is_member", False))


def can_post(member: ChatMember) -> bool:
    """The bot's own membership read as "may send messages there"."""
    if member.status == "restricted":
        return bool(getattr(member, "is_member", False)) and bool(
            getattr(member, "can_send_messages", False)
        )
    return member.status in MEMBER_STATUSES


class OperatorRoster:
    """The operators' group's members as last seen, each answer good for CACHE_SECONDS."""

    def __init__(
        self,
        chat_id: int,
        cache_seconds: float = CACHE_SECONDS,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.chat_id = chat_id
        self.cache_seconds = cache_seconds
        self.clock = clock
        self._known: dict[int, tuple[bool, float]] = {}  # user id -> (member, good until)

    def learn(self, member: ChatMember) -> None:
        """What Telegram said of one person: from getChatMember or a chat_member update."""
        self._known[member.user.id] = (is_member(member), self.clock() + self.cache_seconds)

    async def is_operator(self, bot: Bot, user_id: int) -> bool:
        """Raises TelegramAPIError when Telegram cannot say and nothing recent is known."""
        known = self._known.get(user_id)
        if known is not None and known[1] > self.clock():
            return known[0]
        self.learn(await bot.get_chat_member(self.chat_id, user_id))
        return self._known[user_id][0]
