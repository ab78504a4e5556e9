from __future__ import annotations

from typing import Any

from aiogram.types import Message, TelegramObject, User
from aiogram.utils.i18n import I18n, I18nMiddleware

from bot.content import LANGS
from bot.faq import FaqMatcher
from bot.services.users import touch_user


class UserLocaleMiddleware(I18nMiddleware):
    """The user's language: their saved choice, else Telegram's language_code if it is
    kk/ru/en, else the language their message is written in (a command says nothing about
    it), else the default."""

    def __init__(self, i18n: I18n, matcher: FaqMatcher) -> None:
        super().__init__(i18n)
        self.matcher = matcher

    async def get_locale(self, event: TelegramObject, data: dict[str, Any]) -> str:
        from_user: User | None = data.get("event_from_user")
        if from_user is None or from_user.is_bot:
            return self.i18n.default_locale
        user = await touch_user(data["session"], from_user.id)
        data["user"] = user
        if user.language:
            return user.language
        code = (from_user.language_code or "").split("-")[0].lower()
        if code in LANGS:
            return code
        if isinstance(event, Message) and event.text and not event.text.startswith("/"):
            return self.matcher.detect_language(event.text)
        return self.i18n.default_locale
