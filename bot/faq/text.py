"""Text normalisation shared by the matcher and the language detector.

Every word is reduced to a *skeleton*: lower case, Cyrillic transliterated to a plain Latin
spelling, Kazakh-specific letters folded into their base letters, and the spelling variants that
people use when typing Russian or Kazakh in Latin letters collapsed (kh/h, zh/j, y/i, doubled
letters...). "Сайлау учаскесі", "сайлау учаскеси" and "saylau uchaskesi" all have the same
skeleton, so one index serves Cyrillic, Kazakh without Kazakh letters, and transliteration.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

_CYRILLIC_TO_LATIN = {
    "а": "a",
    "ә": "a",
    "б": "b",
    "в": "v",
    "г": "g",
    "ғ": "g",
    "д": "d",
    "е": "e",
    "ё": "e",
    "ж": "zh",
    "з": "z",
    "и": "i",
    "і": "i",
    "й": "i",
    "к": "k",
    "қ": "k",
    "л": "l",
    "м": "m",
    "н": "n",
    "ң": "n",
    "о": "o",
    "ө": "o",
    "п": "p",
    "р": "r",
    "с": "s",
    "т": "t",
    "у": "u",
    "ұ": "u",
    "ү": "u",
    "ф": "f",
    "х": "h",
    "һ": "h",
    "ц": "ts",
    "ч": "ch",
    "ш": "sh",
    "щ": "sh",
    "ъ": "",
    "ы": "i",
    "ь": "",
    "э": "e",
    "ю": "iu",
    "я": "ia",
}
# Letters of the Kazakh Latin alphabets and other diacritics people type.
_LATIN_EXTRA = {
    "ä": "a",
    "á": "a",
    "ö": "o",
    "ó": "o",
    "ü": "u",
    "ú": "u",
    "ū": "u",
    "ı": "i",
    "ş": "sh",
    "ç": "ch",
    "ğ": "g",
    "ñ": "n",
    "é": "e",
    "è": "e",
    "ý": "i",
}
_TRANSLATE = str.maketrans({**_CYRILLIC_TO_LATIN, **_LATIN_EXTRA})

# Applied in order to the transliterated word: spelling variants collapse into one form.
_LATIN_VARIANTS = (
    ("shch", "sh"),
    ("sch", "sh"),
    ("kh", "h"),
    ("dzh", "j"),
    ("zh", "j"),
    ("ts", "c"),
    ("ch", "c"),
    ("q", "k"),
    ("y", "i"),
    ("x", "h"),
    ("w", "v"),
)
_REPEATS = re.compile(r"(.)\1+")
_WORD = re.compile(r"[^\W_]+")

KAZAKH_LETTERS = frozenset("әғқңөұүһі")


def words(text: str) -> list[str]:
    """Lower-cased words of the text, digits included, punctuation dropped."""
    return _WORD.findall(unicodedata.normalize("NFKC", text).lower())


@lru_cache(maxsize=1 << 16)
def skeleton(word: str) -> str:
    """The script- and spelling-independent form of one lower-cased word. Cached: indexing the
    FAQ at start-up asks for the same words over 100,000 times, and messages for the same few
    thousand again."""
    latin = word.translate(_TRANSLATE)
    if not latin.isascii():
        latin = "".join(
            ch for ch in unicodedata.normalize("NFKD", latin) if not unicodedata.combining(ch)
        )
    for variant, canonical in _LATIN_VARIANTS:
        if variant in latin:
            latin = latin.replace(variant, canonical)
    return _REPEATS.sub(r"\1", latin)


def skeletons(text: str) -> list[str]:
    return [skeleton(w) for w in words(text)]


_SENTENCE_BREAK = re.compile(r"(?<=[.!?…])\s+|\n+")
_MAX_PARTS = 4


def question_parts(text: str) -> list[str]:
    """The parts of a message worth scoring on their own: the whole, then, when it tells a
    story, the sentences that ask (with "?"), or all its sentences when none does. A question
    inside a story then scores as well as if it had been sent alone."""
    sentences = [s.strip() for s in _SENTENCE_BREAK.split(text) if s and s.strip()]
    if len(sentences) < 2:
        return [text]
    asking = [s for s in sentences if "?" in s] or sentences
    return [text, *asking[-_MAX_PARTS:]]
