"""Every router meets the updates Telegram really sends: messages on behalf of a chat (with a
stand-in `from`), without `from`, from other bots, automatic forwards from a linked channel,
service messages, edited messages, messages in topics, presses under messages the bot can no
longer see, anonymous poll answers. Each goes through the real dispatcher; nothing raises, and
each is either handled or deliberately ignored, as the table says."""

from __future__ import annotations

import itertools
import time
from typing import Any

import pytest
from aiogram.dispatcher.event.bases import UNHANDLED
from sqlalchemy import func, select

from bot.app import create_bot
from bot.db.engine import session_factory
from bot.db.models import OutboxMessage, QuizRound
from bot.offline.scene import GROUP
from tests.conftest import TOKEN

VOTER = {"id": 42, "is_bot": False, "first_name": "Dana", "language_code": "ru"}
PRIVATE = {"id": 42, "type": "private", "first_name": "Dana"}
WORKSHOP = {"id": -100777, "type": "supergroup", "title": "Workshop", "is_forum": True}
TRAINER = {"id": 9001, "is_bot": False, "first_name": "Trainer"}
OPERATOR = {"id": 7001, "is_bot": False, "first_name": "Aliya"}
OTHER_BOT = {"id": 555, "is_bot": True, "first_name": "Spam", "username": "spam_bot"}
CHANNEL = {"id": -1009999, "type": "channel", "title": "Linked channel"}
CHANNEL_BOT = {"id": 136817688, "is_bot": True, "first_name": "Channel", "username": "Channel_Bot"}
ANONYMOUS = {
    "id": 1087968824,
    "is_bot": True,
    "first_name": "Group",
    "username": "GroupAnonymousBot",
}

_ids = itertools.count(1)


def _message(chat: dict, text: str | None = "/quiz", **fields: Any) -> dict[str, Any]:
    message: dict[str, Any] = {"message_id": next(_ids), "date": int(time.time()), "chat": chat}
    if text is not None:
        message["text"] = text
        if text.startswith("/"):
            message["entities"] = [{"type": "bot_command", "offset": 0, "length": len(text)}]
    message.update(fields)
    return message


def _update(kind: str, body: dict[str, Any]) -> dict[str, Any]:
    return {"update_id": next(_ids), kind: body}


def _member_change(chat: dict, user: dict, old: str, new: str) -> dict[str, Any]:
    return {
        "chat": chat,
        "from": TRAINER,
        "date": int(time.time()),
        "old_chat_member": {"status": old, "user": user},
        "new_chat_member": {
            "status": new,
            "user": user,
            **({"until_date": 0} if new == "kicked" else {}),
        },
    }


BOT_USER = {"id": 123456, "is_bot": True, "first_name": "Saylau"}

# (what it is, the update, handled?)
CASES: list[tuple[str, dict[str, Any], bool]] = [
    # a voter's private chat
    (
        "private: a question",
        _update("message", _message(PRIVATE, "сайлау қашан", **{"from": VOTER})),
        True,
    ),
    (
        "private: a sticker",
        _update(
            "message",
            _message(
                PRIVATE,
                None,
                **{
                    "from": VOTER,
                    "sticker": {
                        "file_id": "s",
                        "file_unique_id": "s",
                        "type": "regular",
                        "width": 512,
                        "height": 512,
                        "is_animated": False,
                        "is_video": False,
                    },
                },
            ),
        ),
        True,
    ),
    (
        "private: a pin (service)",
        _update(
            "message",
            _message(
                PRIVATE,
                None,
                **{"from": VOTER, "pinned_message": {"message_id": 1, "date": 0, "chat": PRIVATE}},
            ),
        ),
        False,
    ),
    (
        "private: write access allowed (service)",
        _update("message", _message(PRIVATE, None, **{"from": VOTER, "write_access_allowed": {}})),
        False,
    ),
    (
        "private: an edited question",
        _update(
            "edited_message",
            _message(PRIVATE, "сайлау қашан?", **{"from": VOTER, "edit_date": int(time.time())}),
        ),
        False,
    ),
    (
        "private: a press under a message too old to see",
        _update(
            "callback_query",
            {
                "id": "c1",
                "from": VOTER,
                "chat_instance": "1",
                "data": "lang:en",
                "message": {"message_id": 3, "date": 0, "chat": PRIVATE},
            },
        ),
        True,
    ),
    (
        "private: a press under an inline message",
        _update(
            "callback_query",
            {
                "id": "c2",
                "from": VOTER,
                "chat_instance": "1",
                "data": "lang:en",
                "inline_message_id": "abc",
            },
        ),
        True,  # the fallback answers the press: the button is stale
    ),
    (
        "private: forged callback data",
        _update(
            "callback_query",
            {
                "id": "c3",
                "from": VOTER,
                "chat_instance": "1",
                "data": "\u202e<b>x",
                "message": _message(PRIVATE, "hi", **{"from": BOT_USER}),
            },
        ),
        True,  # the fallback answers the press: the button is stale
    ),
    (
        "poll answer on behalf of a chat",
        _update(
            "poll_answer",
            {
                "poll_id": "p1",
                "voter_chat": CHANNEL,
                "option_ids": [0],
                "option_persistent_ids": ["0"],
            },
        ),
        True,
    ),
    # a workshop group, with topics
    (
        "workshop: an admin's /quiz in a topic",
        _update(
            "message",
            _message(
                WORKSHOP, **{"from": TRAINER, "message_thread_id": 5, "is_topic_message": True}
            ),
        ),
        True,
    ),
    (
        "workshop: /quiz by the anonymous admin without from",
        _update("message", _message(WORKSHOP, sender_chat=WORKSHOP)),
        True,
    ),
    (
        "workshop: /quiz on behalf of a channel",
        _update("message", _message(WORKSHOP, **{"from": CHANNEL_BOT, "sender_chat": CHANNEL})),
        False,
    ),
    (
        "workshop: /quiz forwarded from the linked channel",
        _update(
            "message",
            _message(
                WORKSHOP,
                **{"from": CHANNEL_BOT, "sender_chat": CHANNEL, "is_automatic_forward": True},
            ),
        ),
        False,
    ),
    (
        "workshop: /quiz from another bot",
        _update("message", _message(WORKSHOP, **{"from": OTHER_BOT})),
        False,
    ),
    ("workshop: /quiz from nobody", _update("message", _message(WORKSHOP)), False),
    (
        "workshop: someone joined (service)",
        _update(
            "message", _message(WORKSHOP, None, **{"from": TRAINER, "new_chat_members": [VOTER]})
        ),
        False,
    ),
    (
        "workshop: a topic created (service)",
        _update(
            "message",
            _message(
                WORKSHOP,
                None,
                **{
                    "from": TRAINER,
                    "forum_topic_created": {"name": "Q", "icon_color": 1},
                    "message_thread_id": 6,
                    "is_topic_message": True,
                },
            ),
        ),
        False,
    ),
    (
        "workshop: an edited /quiz",
        _update(
            "edited_message", _message(WORKSHOP, **{"from": TRAINER, "edit_date": int(time.time())})
        ),
        False,
    ),
    (
        "workshop: chatter",
        _update("message", _message(WORKSHOP, "hello all", **{"from": VOTER})),
        False,
    ),
    (
        "workshop: the bot removed",
        _update("my_chat_member", _member_change(WORKSHOP, BOT_USER, "member", "left")),
        False,
    ),
    (
        "workshop: a member left",
        _update("chat_member", _member_change(WORKSHOP, VOTER, "member", "left")),
        False,
    ),
    # the operators' group
    (
        "operators: /open in a topic",
        _update(
            "message",
            _message(
                GROUP,
                "/open",
                **{"from": OPERATOR, "message_thread_id": 5, "is_topic_message": True},
            ),
        ),
        True,
    ),
    (
        "operators: /open on behalf of a channel",
        _update(
            "message", _message(GROUP, "/open", **{"from": CHANNEL_BOT, "sender_chat": CHANNEL})
        ),
        False,
    ),
    (
        "operators: a linked channel's post",
        _update(
            "message",
            _message(
                GROUP,
                "news",
                **{"from": CHANNEL_BOT, "sender_chat": CHANNEL, "is_automatic_forward": True},
            ),
        ),
        False,
    ),
    (
        "operators: /ban from another bot",
        _update("message", _message(GROUP, "/ban", **{"from": OTHER_BOT})),
        False,
    ),
    ("operators: a message from nobody", _update("message", _message(GROUP, "hi")), False),
    (
        "operators: someone left (service)",
        _update(
            "message", _message(GROUP, None, **{"from": OPERATOR, "left_chat_member": OPERATOR})
        ),
        False,
    ),
    (
        "operators: an edited reply",
        _update(
            "edited_message",
            _message(GROUP, "fixed", **{"from": OPERATOR, "edit_date": int(time.time())}),
        ),
        False,
    ),
    (
        "operators: a press under a message too old to see",
        _update(
            "callback_query",
            {
                "id": "c4",
                "from": OPERATOR,
                "chat_instance": "1",
                "data": "desk:take:1",
                "message": {"message_id": 3, "date": 0, "chat": GROUP},
            },
        ),
        True,
    ),
]


async def _outbox_rows(harness, chat_id: int) -> int:
    async with session_factory(harness.app.engine)() as session:
        return await session.scalar(
            select(func.count()).select_from(OutboxMessage).where(OutboxMessage.chat_id == chat_id)
        )


@pytest.mark.parametrize(("kind", "update", "handled"), CASES, ids=[c[0] for c in CASES])
async def test_every_router_survives_what_telegram_sends(harness, kind, update, handled):
    harness.server.api.admins[WORKSHOP["id"]] = {TRAINER["id"]}
    chat = _chat_of(update)
    before = await _outbox_rows(harness, chat["id"]) if chat else 0
    bot = create_bot(harness.app.settings, TOKEN)
    try:
        result = await harness.app.dispatcher.feed_raw_update(bot, update)  # raises on a bug
    finally:
        await bot.session.close()
    assert (result is not UNHANDLED) == handled, kind
    if chat is not None and not handled:
        # ignored on purpose: nothing queued for that chat
        assert await _outbox_rows(harness, chat["id"]) == before, kind


def _chat_of(update: dict[str, Any]) -> dict | None:
    body = next(v for k, v in update.items() if k != "update_id")
    if "chat" in body:
        return body["chat"]
    return (body.get("message") or {}).get("chat")


async def test_an_anonymous_admins_round_belongs_to_the_group(harness):
    bot = create_bot(harness.app.settings, TOKEN)
    try:
        await harness.app.dispatcher.feed_raw_update(
            bot, _update("message", _message(WORKSHOP, "/quiz all 2 10", sender_chat=WORKSHOP))
        )
    finally:
        await bot.session.close()
    async with session_factory(harness.app.engine)() as session:
        started = (await session.scalars(select(QuizRound))).all()
    assert [(r.chat_id, r.user_id, r.kind) for r in started] == [
        (WORKSHOP["id"], WORKSHOP["id"], "group")
    ]
