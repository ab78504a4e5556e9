"""What Telegram sends besides people's messages, told apart once for every router.

In a group, a message may be posted on behalf of a chat (`sender_chat`, with a stand-in `from`
such as GroupAnonymousBot or Channel_Bot), come from another bot, be forwarded automatically
from a linked channel, or be a service message (someone joined, a title changed, a pin).
"""

from __future__ import annotations

from enum import Enum

from aiogram.enums import ContentType
from aiogram.filters import Filter
from aiogram.types import Message

# What a person can write or send; everything else is a service message.
WRITTEN_CONTENT = frozenset(
    {
        ContentType.TEXT,
        ContentType.ANIMATION,
        ContentType.AUDIO,
        ContentType.DOCUMENT,
        ContentType.LIVE_PHOTO,
        ContentType.PAID_MEDIA,
        ContentType.PHOTO,
        ContentType.STICKER,
        ContentType.STORY,
        ContentType.VIDEO,
        ContentType.VIDEO_NOTE,
        ContentType.VOICE,
        ContentType.CHECKLIST,
        ContentType.CONTACT,
        ContentType.DICE,
        ContentType.GAME,
        ContentType.POLL,
        ContentType.VENUE,
        ContentType.LOCATION,
    }
)


class Sender(Enum):
    PERSON = "person"
    THE_CHAT = "the chat itself"  # a group's anonymous administrator
    OTHER_CHAT = "another chat"  # a channel, a linked channel's automatic forward
    BOT = "a bot"
    NOBODY = "nobody"  # the Bot API makes `from` optional


def sender_of(message: Message) -> Sender:
    if message.sender_chat is not None:
        return Sender.THE_CHAT if message.sender_chat.id == message.chat.id else Sender.OTHER_CHAT
    if message.from_user is None:
        return Sender.NOBODY
    return Sender.BOT if message.from_user.is_bot else Sender.PERSON


class WrittenMessage(Filter):
    """A message a person wrote (or a group's anonymous administrator): the only messages any
    router takes. The rest is ignored on purpose, without an answer."""

    async def __call__(self, message: Message) -> bool:
        return (
            sender_of(message) in (Sender.PERSON, Sender.THE_CHAT)
            and not message.is_automatic_forward
            and message.content_type in WRITTEN_CONTENT
        )
