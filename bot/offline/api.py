"""What Telegram's Bot API answers to the methods the bot uses, kept in memory.

Parameters arrive as Telegram receives them over HTTP: form fields, with objects as JSON
strings. The console passes them in directly; the tests' fake server passes in what it got over
HTTP. Results are the JSON that Telegram would return in "result".
"""

from __future__ import annotations

import collections
import html
import itertools
import json
import re
import time
import uuid
from typing import Any

from aiogram.types import ChatMemberAdministrator, ChatMemberRestricted

BOT_USER = {"id": 100000, "is_bot": True, "first_name": "saylau-bot", "username": "saylau_bot"}
_JSON_FIELDS = {
    "reply_markup",
    "commands",
    "options",
    "entities",
    "link_preview_options",
    "allowed_updates",
    "reply_parameters",
    "media",
    "correct_option_ids",
    "scope",
}
_TAG = re.compile(r"<[^>]+>")
_INT_FIELDS = {
    "chat_id",
    "message_id",
    "from_chat_id",
    "message_thread_id",
    "offset",
    "limit",
    "timeout",
    "user_id",
    "open_period",
    "correct_option_id",
}


def _visible_text(params: dict[str, Any]) -> str:
    """The text as Telegram keeps it: HTML markup parsed away (into formatting entities)."""
    text = params["text"]
    if str(params.get("parse_mode", "")).upper() == "HTML":
        text = html.unescape(_TAG.sub("", text))
    return text


def _snake(name: str) -> str:
    return re.sub(r"(?<!^)(?=[A-Z])", "_", name).lower()


def decode_params(params: dict[str, Any]) -> dict[str, Any]:
    decoded: dict[str, Any] = {}
    for key, value in params.items():
        if isinstance(value, str) and key in _JSON_FIELDS:
            value = json.loads(value)
        elif isinstance(value, str) and key in _INT_FIELDS and re.fullmatch(r"-?\d+", value):
            value = int(value)
        elif value in ("true", "false"):
            value = value == "true"
        decoded[key] = value
    return decoded


def required_flags(model: type) -> dict[str, bool]:
    """Every yes/no field a ChatMember kind requires, as no."""
    return {
        name: False
        for name, field in model.model_fields.items()
        if field.is_required() and field.annotation is bool
    }


class OfflineBotApi:
    def __init__(self, forum_chats: frozenset[int] = frozenset()) -> None:
        self.forum_chats = set(forum_chats)  # supergroups with topics enabled
        self.admins: dict[int, set[int]] = {}  # group chat id -> its administrators' user ids
        # group chat id -> user id -> "left", "kicked", "restricted" (still a member) or
        # "restricted_out" (restricted and not a member); everyone else is a member
        self.statuses: dict[int, dict[int, str]] = {}
        self.calls: list[tuple[str, dict[str, Any]]] = []
        self.messages: dict[tuple[int, int], dict[str, Any]] = {}
        self.polls: dict[str, dict[str, Any]] = {}  # poll id -> the poll
        # Message ids are numbered per chat, as Telegram numbers them (so two groups' cards
        # may share one); a topic's id is the id of the message that opens it.
        self._ids: dict[int, itertools.count] = collections.defaultdict(lambda: itertools.count(1))

    def last_message(self, chat_id: int) -> dict[str, Any] | None:
        return max(
            (m for (chat, _), m in self.messages.items() if chat == chat_id),
            key=lambda m: m["message_id"],
            default=None,
        )

    def call(self, method: str, params: dict[str, Any]) -> Any:
        params = decode_params(params)
        self.calls.append((method, params))
        handler = getattr(self, f"_{_snake(method)}", None)
        return handler(params) if handler else True

    @staticmethod
    def chat(chat_id: int) -> dict[str, Any]:
        return {"id": chat_id, "type": "private" if chat_id > 0 else "supergroup"}

    def _store(self, params: dict[str, Any], **content: Any) -> dict[str, Any]:
        message = {
            "message_id": next(self._ids[int(params["chat_id"])]),
            "date": int(time.time()),
            "chat": self.chat(int(params["chat_id"])),
            "from": BOT_USER,
            **content,
        }
        if "reply_markup" in params:
            message["reply_markup"] = params["reply_markup"]
        if params.get("message_thread_id"):
            message["message_thread_id"] = params["message_thread_id"]
        self.messages[(message["chat"]["id"], message["message_id"])] = message
        return message

    def _get_me(self, _params: dict[str, Any]) -> dict[str, Any]:
        return BOT_USER

    def _send_message(self, params: dict[str, Any]) -> dict[str, Any]:
        return self._store(params, text=_visible_text(params))

    def _send_poll(self, params: dict[str, Any]) -> dict[str, Any]:
        options = [o if isinstance(o, str) else o["text"] for o in params["options"]]
        correct = params.get("correct_option_ids")
        if correct is None and "correct_option_id" in params:
            correct = [params["correct_option_id"]]
        poll: dict[str, Any] = {
            # Unique across servers, as Telegram's are: a restarted test server must not
            # hand out the ids of polls an earlier one sent.
            "id": str(uuid.uuid4().int >> 64),
            "question": params["question"],
            "options": [
                {"persistent_id": str(i), "text": text, "voter_count": 0}
                for i, text in enumerate(options)
            ],
            "total_voter_count": 0,
            "is_closed": False,
            "is_anonymous": params.get("is_anonymous", True),
            "type": params.get("type", "regular"),
            "allows_multiple_answers": False,
            "allows_revoting": False,
            "members_only": False,
        }
        if correct is not None:
            poll["correct_option_ids"] = correct
            poll["correct_option_id"] = correct[0]
        for key in ("explanation", "open_period"):
            if key in params:
                poll[key] = params[key]
        self.polls[poll["id"]] = poll
        return self._store(params, poll=poll)

    def _stop_poll(self, params: dict[str, Any]) -> dict[str, Any] | bool:
        message = self.messages.get((params.get("chat_id"), params.get("message_id")))
        if message is None or "poll" not in message:
            return True
        message["poll"]["is_closed"] = True
        return message["poll"]

    def _get_chat_member(self, params: dict[str, Any]) -> dict[str, Any]:
        chat_id, user_id = int(params["chat_id"]), int(params["user_id"])
        user = {"id": user_id, "is_bot": False, "first_name": f"User {user_id}"}
        status = self.statuses.get(chat_id, {}).get(user_id)
        if status in ("left", "kicked"):
            return {"status": status, "user": user, "until_date": 0}
        if status in ("restricted", "restricted_out"):
            return {
                **required_flags(ChatMemberRestricted),
                "status": "restricted",
                "is_member": status == "restricted",
                "until_date": 0,
                "user": user,
            }
        if user_id not in self.admins.get(chat_id, set()):
            return {"status": "member", "user": user}
        return {**required_flags(ChatMemberAdministrator), "status": "administrator", "user": user}

    def _edit_message_text(self, params: dict[str, Any]) -> dict[str, Any] | bool:
        message = self.messages.get((params.get("chat_id"), params.get("message_id")))
        if message is None:
            return True
        message["text"] = _visible_text(params)
        message.pop("reply_markup", None)
        if "reply_markup" in params:
            message["reply_markup"] = params["reply_markup"]
        return message

    def _edit_message_reply_markup(self, params: dict[str, Any]) -> dict[str, Any] | bool:
        message = self.messages.get((params.get("chat_id"), params.get("message_id")))
        if message is None:
            return True
        message.pop("reply_markup", None)
        if "reply_markup" in params:
            message["reply_markup"] = params["reply_markup"]
        return message

    def _copy_message(self, params: dict[str, Any]) -> dict[str, Any]:
        copy = self._store(params, copied_from=[params["from_chat_id"], params["message_id"]])
        return {"message_id": copy["message_id"]}

    def _send_document(self, params: dict[str, Any]) -> dict[str, Any]:
        return self._store(params, caption=params.get("caption", ""))

    def _get_chat(self, params: dict[str, Any]) -> dict[str, Any]:
        chat_id = int(params["chat_id"])
        gifts = dict.fromkeys(
            (
                "unlimited_gifts",
                "limited_gifts",
                "unique_gifts",
                "premium_subscription",
                "gifts_from_channels",
            ),
            False,
        )
        return {
            **self.chat(chat_id),
            "title": "Operators",
            "is_forum": chat_id in self.forum_chats,
            "accent_color_id": 0,
            "max_reaction_count": 11,
            "accepted_gift_types": gifts,
        }

    def _create_forum_topic(self, params: dict[str, Any]) -> dict[str, Any]:
        thread_id = next(self._ids[int(params["chat_id"])])
        return {"message_thread_id": thread_id, "name": params["name"], "icon_color": 0}
