"""The FAQ file's schema: what editors write in data/faq.yaml, validated with pydantic."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Literal

from pydantic import Field, model_validator

from bot.content import LANGS, LocalizedText, Strict

__all__ = ["LANGS", "FaqBook", "FaqEntry", "LocalizedQuestions", "LocalizedText", "OutOfScopeTopic"]
# LANGS stays importable from here (bot.content owns it): the matcher's modules read it as
# `from .models import LANGS`, and benchmarks/match_bench.py as `from bot.faq import LANGS`.


class LocalizedQuestions(Strict):
    kk: list[str] = Field(min_length=1)
    ru: list[str] = Field(min_length=1)
    en: list[str] = Field(min_length=1)

    def get(self, lang: str) -> list[str]:
        return getattr(self, lang)


class FaqEntry(Strict):
    id: str = Field(pattern=r"^[a-z][a-z0-9_]{1,40}$")
    questions: LocalizedQuestions
    answer: LocalizedText
    related: list[str] = Field(default_factory=list)
    source: str | None = Field(default=None, pattern=r"^https?://\S+$")

    def title(self, lang: str) -> str:
        """The canonical question, shown on buttons."""
        return self.questions.get(lang)[0]


class OutOfScopeTopic(Strict):
    """Questions the bot recognises and does not answer (another election, the weather...):
    matching them keeps such questions from being taken for the nearest FAQ entry."""

    id: str = Field(pattern=r"^[a-z][a-z0-9_]{1,40}$")
    questions: LocalizedQuestions


class FaqBook(Strict):
    version: Literal[1]
    synonyms: list[list[str]] = Field(default_factory=list)
    entries: list[FaqEntry] = Field(min_length=1)
    out_of_scope: list[OutOfScopeTopic] = Field(default_factory=list)

    def phrasings(self) -> Iterator[tuple[int, str]]:
        """(item index, phrasing) over the entries, then the out-of-scope topics, in every
        language: the order of the matching signals' columns."""
        for index, item in enumerate([*self.entries, *self.out_of_scope]):
            for lang in LANGS:
                for question in item.questions.get(lang):
                    yield index, question

    @model_validator(mode="after")
    def _ids_unique_and_related_known(self) -> FaqBook:
        seen: set[str] = set()
        for entry in self.entries:
            if entry.id in seen:
                raise ValueError(f"entry '{entry.id}': duplicate id")
            seen.add(entry.id)
        for topic in self.out_of_scope:
            if topic.id in seen:
                raise ValueError(f"out_of_scope '{topic.id}': id already used")
            seen.add(topic.id)
        answered = {entry.id for entry in self.entries}
        for entry in self.entries:
            for rel in entry.related:
                if rel not in answered:
                    raise ValueError(f"entry '{entry.id}': related id '{rel}' does not exist")
                if rel == entry.id:
                    raise ValueError(f"entry '{entry.id}': relates to itself")
        return self

    def by_id(self) -> dict[str, FaqEntry]:
        return {entry.id: entry for entry in self.entries}
