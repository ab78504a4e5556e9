"""Who may act as an operator: a current member of the operators' group, as Telegram says.

Membership is asked of Telegram (getChatMember) and kept for at most a minute; a chat_member
update about the group changes it at once. A message the group's anonymous administrator posts
(sender_chat is the group itself) is an operator's; one posted on behalf of any other chat (a
channel), or by a bot, is not.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

from aiogram import Bot
from aiogram.types import CallbackQuery, ChatMember, Message

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

    async def operator_of(self, event: Message | CallbackQuery, bot: Bot) -> Operator | None:
        """The operator behind a group message or button press, or None for anyone else."""
        if isinstance(event, Message) and event.sender_chat is not None:
            if event.sender_chat.id != self.chat_id:
                return None  # posted on behalf of a channel or another chat
            return Operator(self.chat_id, event.author_signature or event.sender_chat.title or "")
        person = event.from_user
        if person is None or person.is_bot:
            return None
        if not await self.is_operator(bot, person.id):
            return None
        return Operator(person.id, person.full_name)
