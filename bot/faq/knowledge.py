"""The loaded FAQ and its matcher, built once at start-up and shared by all handlers."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from .asked import asked_problems, lexical_book, read_asked, with_asked
from .loader import FaqError, content_problems, load_faq
from .matcher import FaqMatcher
from .models import FaqBook, FaqEntry
from .semantic import EmbeddingCache, SemanticSignal, load_embedder


@dataclass(frozen=True)
class KnowledgeBase:
    book: FaqBook
    matcher: FaqMatcher
    entries: dict[str, FaqEntry]

    @classmethod
    def from_book(
        cls,
        book: FaqBook,
        embeddings: Path | None = None,
        learned_cache: Path | None = None,
        asked: list[dict] | None = None,
    ) -> KnowledgeBase:
        """With `embeddings` (the cache file of phrasing vectors), matching by meaning too,
        where the embedding model is installed; with `learned_cache`, the trained classifier
        is kept in that file between starts; with `asked`, the questions people asked are
        more phrasings for the learned and semantic signals (asked.py)."""
        lexical = book
        if asked:
            lexical, book = lexical_book(book, asked), with_asked(book, asked)
        embedder = load_embedder() if embeddings is not None else None
        semantic = None
        if embedder is not None and embeddings is not None:
            semantic = SemanticSignal(book, embedder, EmbeddingCache(embeddings))
        matcher = FaqMatcher(book, semantic, learned_cache, lexical_book=lexical)
        return cls(book=book, matcher=matcher, entries=book.by_id())

    @classmethod
    def load(
        cls,
        path: Path,
        embeddings: Path | None = None,
        learned_cache: Path | None = None,
        asked: Path | None = None,
    ) -> KnowledgeBase:
        """Load and fully check the FAQ: the bot never starts on a file Telegram would reject.
        With `asked` (data/asked.jsonl, where it exists), the questions people asked join the
        phrasings."""
        book = load_faq(path)
        problems = content_problems(book, path)
        rows = read_asked(asked) if asked is not None and asked.exists() else []
        problems += asked_problems(book, rows, asked) if rows else []
        if problems:
            raise FaqError(problems)
        return cls.from_book(book, embeddings, learned_cache, rows)

    def get(self, entry_id: str) -> FaqEntry | None:
        return self.entries.get(entry_id)

    def related(self, entry: FaqEntry) -> list[FaqEntry]:
        return [self.entries[rid] for rid in entry.related if rid in self.entries]
