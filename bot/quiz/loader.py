"""Reading data/quiz.yaml and checking it, with messages an editor can act on."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

from bot.content import LANGS, ContentError, load_book

from .models import QuizBook

# Telegram's limits for quiz polls.
QUESTION_LIMIT = 300
OPTION_LIMIT = 100
EXPLANATION_LIMIT = 200
EXPLANATION_LINE_FEEDS = 2
# What a workshop needs: enough questions overall and in every topic.
MIN_QUESTIONS = 60
MIN_PER_TOPIC = 8


class QuizError(ContentError):
    """The quiz file cannot be used; `problems` says where and why, one line each."""


def load_quiz(path: Path) -> QuizBook:
    """Parse and validate the schema; raise QuizError listing every problem."""
    return load_book(path, QuizBook, QuizError, {"questions": "question", "topics": "topic"})


def content_problems(book: QuizBook, path: Path) -> list[str]:
    """What the schema cannot say: unique ids and questions, known topics, Telegram's limits."""
    problems: list[str] = []
    topic_ids = Counter(topic.id for topic in book.topics)
    problems.extend(f"{path}: topic '{t}': duplicate id" for t, n in topic_ids.items() if n > 1)
    seen_ids: set[str] = set()
    seen_texts: dict[tuple[str, str], str] = {}  # (lang, normalised text) -> where it was first
    for index, question in enumerate(book.questions):
        where = f"{path}: question '{question.id}' (questions[{index}])"
        if question.id in seen_ids:
            problems.append(f"{where}: duplicate id")
        seen_ids.add(question.id)
        if question.topic not in topic_ids:
            problems.append(f"{where} topic: unknown topic '{question.topic}'")
        same_as: dict[str, list[str]] = {}  # an earlier question -> languages it repeats
        for lang in LANGS:
            text = question.question.get(lang)
            key = (lang, " ".join(text.lower().split()))
            if key in seen_texts:
                same_as.setdefault(seen_texts[key], []).append(lang)
            seen_texts.setdefault(key, f"question '{question.id}' (questions[{index}])")
            problems.extend(_limit(where, f"question.{lang}", text, QUESTION_LIMIT))
            for i, option in enumerate(question.options.get(lang)):
                problems.extend(_limit(where, f"options.{lang}[{i}]", option, OPTION_LIMIT))
            explanation = question.explanation.get(lang)
            problems.extend(_limit(where, f"explanation.{lang}", explanation, EXPLANATION_LIMIT))
            if explanation.count("\n") > EXPLANATION_LINE_FEEDS:
                problems.append(
                    f"{where} explanation.{lang}: Telegram allows at most "
                    f"{EXPLANATION_LINE_FEEDS} line breaks"
                )
        problems.extend(
            f"{where} question.{'/'.join(langs)}: duplicate question, the same as {earlier}"
            for earlier, langs in same_as.items()
        )
    return problems


def _limit(where: str, field: str, text: str, limit: int) -> list[str]:
    if len(text) <= limit:
        return []
    return [f"{where} {field}: {len(text)} characters, Telegram allows {limit}"]


def coverage_problems(book: QuizBook, path: Path) -> list[str]:
    """Enough questions for a workshop: in total and in every topic."""
    problems: list[str] = []
    if len(book.questions) < MIN_QUESTIONS:
        problems.append(
            f"{path}: {len(book.questions)} questions, a workshop needs at least {MIN_QUESTIONS}"
        )
    per_topic = Counter(question.topic for question in book.questions)
    for topic in book.topics:
        if per_topic[topic.id] < MIN_PER_TOPIC:
            problems.append(
                f"{path}: topic '{topic.id}': {per_topic[topic.id]} questions, "
                f"at least {MIN_PER_TOPIC} needed"
            )
    return problems


def check_quiz(path: Path) -> list[str]:
    try:
        book = load_quiz(path)
    except QuizError as exc:
        return exc.problems
    return content_problems(book, path) + coverage_problems(book, path)
