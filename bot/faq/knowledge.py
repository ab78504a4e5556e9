"""The loaded FAQ and its matcher, built once at start-up and shared by all handlers."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from .loader import FaqError, content_problems, load_faq
from .matcher import FaqMatcher
from .models import FaqBook, FaqEntry


@dataclass(frozen=True)
class KnowledgeBase:
    book: FaqBook
    matcher: FaqMatcher
    entries: dict[str, FaqEntry]

    @classmethod
    def from_book(cls, book: FaqBook) -> KnowledgeBase:
        return cls(book=book, matcher=FaqMatcher(book), entries=book.by_id())

    @classmethod
    def load(cls, path: Path) -> KnowledgeBase:
        """Load and fully check the FAQ: the bot never starts on a file Telegram would reject."""
        book = load_faq(path)
        problems = content_problems(book, path)
        if problems:
            raise FaqError(problems)
        return cls.from_book(book)

    def get(self, entry_id: str) -> FaqEntry | None:
        return self.entries.get(entry_id)

    def related(self, entry: FaqEntry) -> list[FaqEntry]:
        return [self.entries[rid] for rid in entry.related if rid in self.entries]
