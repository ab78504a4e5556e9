"""Content kept as data: the languages, the strict schema base, reading files and the gettext
catalogs' check. Knows nothing of Telegram."""

from .languages import LANGS, LANGUAGE_NAMES
from .loader import ContentError, load_book
from .schema import LocalizedText, Strict

__all__ = [
    "LANGS",
    "LANGUAGE_NAMES",
    "ContentError",
    "LocalizedText",
    "Strict",
    "load_book",
]
