"""The quiz file's schema: what editors write in data/quiz.yaml, validated with pydantic."""

from __future__ import annotations

from typing import Literal

from pydantic import Field, model_validator

from bot.content import LANGS, LocalizedText, Strict

MIN_OPTIONS, MAX_OPTIONS = 3, 4


class LocalizedOptions(Strict):
    """The answer options, in the same order in every language."""

    kk: list[str] = Field(min_length=MIN_OPTIONS, max_length=MAX_OPTIONS)
    ru: list[str] = Field(min_length=MIN_OPTIONS, max_length=MAX_OPTIONS)
    en: list[str] = Field(min_length=MIN_OPTIONS, max_length=MAX_OPTIONS)

    def get(self, lang: str) -> list[str]:
        return getattr(self, lang)


class QuizTopic(Strict):
    id: str = Field(pattern=r"^[a-z][a-z0-9_]{1,40}$")
    title: LocalizedText


class QuizQuestion(Strict):
    id: str = Field(pattern=r"^[a-z][a-z0-9_]{1,40}$")
    topic: str
    question: LocalizedText
    options: LocalizedOptions
    correct: int = Field(ge=0)
    explanation: LocalizedText
    source: str = Field(pattern=r"^https?://\S+$")

    @model_validator(mode="after")
    def _options_agree(self) -> QuizQuestion:
        counts = {lang: len(self.options.get(lang)) for lang in LANGS}
        if len(set(counts.values())) > 1:
            raise ValueError(f"options: a different number of options per language {counts}")
        if self.correct >= counts["en"]:
            raise ValueError(
                f"correct: {self.correct} is out of range (options are numbered "
                f"0 to {counts['en'] - 1})"
            )
        for lang in LANGS:
            options = [option.strip() for option in self.options.get(lang)]
            if not all(options):
                raise ValueError(f"options.{lang}: an empty option")
            if len(set(options)) != len(options):
                raise ValueError(f"options.{lang}: the same option twice")
        return self


class QuizBook(Strict):
    version: Literal[1]
    topics: list[QuizTopic] = Field(min_length=1)
    questions: list[QuizQuestion] = Field(min_length=1)
