"""Reading data/faq.yaml and checking it, with messages an editor can act on."""

from __future__ import annotations

import re
from html.parser import HTMLParser
from pathlib import Path

from bot.content import LANGS, ContentError, load_book

from .models import FaqBook

TELEGRAM_TEXT_LIMIT = 4096
BUTTON_TEXT_LIMIT = 64
# Tags that Telegram's HTML parse mode accepts.
_TELEGRAM_TAGS = frozenset(
    [
        "b",
        "strong",
        "i",
        "em",
        "u",
        "ins",
        "s",
        "strike",
        "del",
        "span",
        "tg-spoiler",
        "a",
        "code",
        "pre",
        "blockquote",
        "tg-emoji",
    ]
)


_BARE_LT = re.compile(r"<(?!/?[a-z-]+[\s>/])")
_BARE_AMP = re.compile(r"&(?!(?:amp|lt|gt|quot|#\d+|#x[0-9a-fA-F]+);)")


class FaqError(ContentError):
    """The FAQ file cannot be used; `problems` says where and why, one line each."""


class _TelegramHtmlChecker(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.stack: list[str] = []
        self.errors: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag not in _TELEGRAM_TAGS:
            self.errors.append(f"tag <{tag}> is not allowed by Telegram")
        if tag == "a" and not dict(attrs).get("href"):
            self.errors.append("<a> without href")
        self.stack.append(tag)

    def handle_endtag(self, tag: str) -> None:
        if not self.stack or self.stack[-1] != tag:
            self.errors.append(f"</{tag}> does not close an open <{tag}>")
        else:
            self.stack.pop()


def html_problems(text: str) -> list[str]:
    """Why Telegram would reject this HTML text, or [] if it is fine."""
    checker = _TelegramHtmlChecker()
    checker.feed(text)
    checker.close()
    problems = list(checker.errors)
    if checker.stack:
        problems.append(f"<{checker.stack[-1]}> is never closed")
    if _BARE_LT.search(text):
        problems.append("a bare '<' (write &lt;)")
    if _BARE_AMP.search(text):
        problems.append("a bare '&' (write &amp;)")
    return problems


def load_faq(path: Path) -> FaqBook:
    """Parse and validate the schema; raise FaqError listing every problem."""
    return load_book(
        path, FaqBook, FaqError, {"entries": "entry", "out_of_scope": "out_of_scope topic"}
    )


def content_problems(book: FaqBook, path: Path) -> list[str]:
    """What the schema cannot say: Telegram limits, HTML, empty phrasings."""
    problems: list[str] = []
    for entry in book.entries:
        where = f"{path}: entry '{entry.id}'"
        for lang in LANGS:
            answer = entry.answer.get(lang)
            if len(answer) > TELEGRAM_TEXT_LIMIT:
                problems.append(
                    f"{where} answer.{lang}: {len(answer)} characters, "
                    f"Telegram allows {TELEGRAM_TEXT_LIMIT}"
                )
            problems.extend(f"{where} answer.{lang}: {p}" for p in html_problems(answer))
            questions = entry.questions.get(lang)
            if len(questions[0]) > BUTTON_TEXT_LIMIT:
                problems.append(
                    f"{where} questions.{lang}[0]: the canonical question is shown on a button "
                    f"and must be at most {BUTTON_TEXT_LIMIT} characters"
                )
            problems.extend(_empty_questions(where, lang, questions))
    for topic in book.out_of_scope:
        where = f"{path}: out_of_scope topic '{topic.id}'"
        for lang in LANGS:
            problems.extend(_empty_questions(where, lang, topic.questions.get(lang)))
    return problems


def _empty_questions(where: str, lang: str, questions: list[str]) -> list[str]:
    return [
        f"{where} questions.{lang}[{i}]: empty question"
        for i, question in enumerate(questions)
        if not question.strip()
    ]


def check_faq(path: Path) -> list[str]:
    try:
        book = load_faq(path)
    except FaqError as exc:
        return exc.problems
    return content_problems(book, path)
