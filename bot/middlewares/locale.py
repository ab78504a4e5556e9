from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from aiogram.types import Chat, TelegramObject, Update
from aiogram.types import User as TelegramUser
from aiogram.utils.i18n import I18n, I18nMiddleware

from bot.db.models import User
from bot.faq import FaqMatcher
from bot.services.users import reply_language


class UserLocaleMiddleware(I18nMiddleware):
    """Which language a reply is in. In an operators' group, the group's own; elsewhere
    bot.services.users.reply_language. The language of a message in words is remembered on
    the user, so that a button pressed under the reply answers in it too; commands,
    stickers and bare numbers say nothing about a language.

    An update-level middleware after UserMiddleware (it reads `user`), so that every message
    middleware and handler below it speaks the user's language whatever their order."""

    def __init__(
        self,
        i18n: I18n,
        matcher: FaqMatcher,
        operators_groups: Mapping[int, str] | None = None,
    ) -> None:
        super().__init__(i18n)
        self.matcher = matcher
        self.operators_groups = operators_groups or {}  # chat id -> the language it speaks

    async def get_locale(self, event: TelegramObject, data: dict[str, Any]) -> str:
        chat: Chat | None = data.get("event_chat")
        if chat is not None and chat.id in self.operators_groups:
            return self.operators_groups[chat.id]  # an operators' group speaks one language
        sender: TelegramUser | None = data.get("event_from_user")
        user: User | None = data.get("user")
        if sender is None or user is None:
            return self.i18n.default_locale
        said = None if user.language else self._language_said(event)  # the choice decides
        if said is not None:
            user.message_language = said  # committed with the update
        return reply_language(user, sender.language_code, self.i18n.default_locale)

    def _language_said(self, event: TelegramObject) -> str | None:
        """The language of a message in words; None for a command, a sticker, a number."""
        message = event.message if isinstance(event, Update) else None
        text = message.text if message is not None else None
        if not text or text.startswith("/"):
            return None
        return self.matcher.detect_language(text)
