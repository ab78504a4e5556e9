"""The languages the bot speaks: the one list every other module reads."""

from __future__ import annotations

LANGS: tuple[str, ...] = ("kk", "ru", "en")
LANGUAGE_NAMES = {"kk": "🇰🇿 Қазақша", "ru": "🇷🇺 Русский", "en": "🇬🇧 English"}
