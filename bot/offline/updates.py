"""Incoming updates as Telegram sends them: a user's message, a button press, a poll answer."""

from __future__ import annotations

import itertools
import time
from typing import Any

from aiogram.types import ChatMemberAdministrator, ChatMemberRestricted

from bot.offline.api import required_flags


class UpdateFactory:
    def __init__(self, first_update_id: int = 1) -> None:
        self._update_ids = itertools.count(first_update_id)
        self._message_ids = itertools.count(1_000_000)

    @staticmethod
    def user(
        user_id: int,
        first_name: str = "Voter",
        language_code: str | None = None,
        username: str | None = None,
    ) -> dict[str, Any]:
        user: dict[str, Any] = {"id": user_id, "is_bot": False, "first_name": first_name}
        if language_code:
            user["language_code"] = language_code
        if username:
            user["username"] = username
        return user

    @staticmethod
    def group(chat_id: int, title: str = "Workshop") -> dict[str, Any]:
        return {"id": chat_id, "type": "supergroup", "title": title}

    def message(
        self,
        user: dict[str, Any] | None,
        text: str | None = None,
        *,
        chat: dict[str, Any] | None = None,
        **content: Any,
    ) -> dict[str, Any]:
        """A message from `user`; with user None (and a `chat`), one without a sender, which
        the Bot API allows (add `sender_chat` for one posted on behalf of a chat)."""
        assert user is not None or chat is not None
        message: dict[str, Any] = {
            "message_id": next(self._message_ids),
            "date": int(time.time()),
            "chat": chat or {"id": user["id"], "type": "private", "first_name": user["first_name"]},
            **({"from": user} if user is not None else {}),
            **content,
        }
        if text is not None:
            message["text"] = text
            if text.startswith("/"):
                command = text.split()[0]
                message["entities"] = [{"type": "bot_command", "offset": 0, "length": len(command)}]
        return {"update_id": next(self._update_ids), "message": message}

    def callback(self, user: dict[str, Any], data: str, message: dict[str, Any]) -> dict[str, Any]:
        return {
            "update_id": next(self._update_ids),
            "callback_query": {
                "id": str(next(self._update_ids)),
                "from": user,
                "chat_instance": "1",
                "message": message,
                "data": data,
            },
        }

    def chat_member(
        self, chat: dict[str, Any], user: dict[str, Any], old: str, new: str
    ) -> dict[str, Any]:
        """Someone's status in a group changed (e.g. "member" -> "kicked")."""

        def member(status: str) -> dict[str, Any]:
            fields: dict[str, Any] = {"status": status, "user": user}
            if status == "kicked":
                fields["until_date"] = 0
            elif status == "administrator":
                fields.update(required_flags(ChatMemberAdministrator))
            elif status == "restricted":  # still in the group, may not send anything
                fields.update(required_flags(ChatMemberRestricted), is_member=True, until_date=0)
            return fields

        return {
            "update_id": next(self._update_ids),
            "chat_member": {
                "chat": chat,
                "from": user,
                "date": int(time.time()),
                "old_chat_member": member(old),
                "new_chat_member": member(new),
            },
        }

    def poll_answer(
        self, user: dict[str, Any], poll_id: str, option_ids: list[int]
    ) -> dict[str, Any]:
        return {
            "update_id": next(self._update_ids),
            "poll_answer": {
                "poll_id": poll_id,
                "user": user,
                "option_ids": option_ids,
                "option_persistent_ids": [str(i) for i in option_ids],
            },
        }
