from __future__ import annotations

from typing import Any

from aiogram.types import Chat, TelegramObject, Update
from aiogram.types import User as TelegramUser
from aiogram.utils.i18n import I18n, I18nMiddleware

from bot.content import LANGS
from bot.db.models import User
from bot.faq import FaqMatcher


class UserLocaleMiddleware(I18nMiddleware):
    """In the operators' group, OPERATORS_LANGUAGE. Elsewhere the user's language: their
    saved choice, else Telegram's language_code if it is kk/ru/en, else the language their
    message is written in (a command says nothing about it), else the default.

    An update-level middleware after UserMiddleware (it reads `user`), so that every message
    middleware and handler below it speaks the user's language whatever their order."""

    def __init__(
        self,
        i18n: I18n,
        matcher: FaqMatcher,
        operators_chat_id: int | None = None,
        operators_language: str | None = None,
    ) -> None:
        super().__init__(i18n)
        self.matcher = matcher
        self.operators_chat_id = operators_chat_id
        self.operators_language = operators_language

    async def get_locale(self, event: TelegramObject, data: dict[str, Any]) -> str:
        chat: Chat | None = data.get("event_chat")
        if chat is not None and chat.id == self.operators_chat_id and self.operators_language:
            return self.operators_language  # the operators' group speaks one language
        sender: TelegramUser | None = data.get("event_from_user")
        user: User | None = data.get("user")
        if sender is None or user is None:
            return self.i18n.default_locale
        if user.language:
            return user.language
        code = (sender.language_code or "").split("-")[0].lower()
        if code in LANGS:
            return code
        message = event.message if isinstance(event, Update) else None
        if message is not None and message.text and not message.text.startswith("/"):
            return self.matcher.detect_language(message.text)
        return self.i18n.default_locale
