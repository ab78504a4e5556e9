"""The loaded question bank: picking a round's questions and shuffling a question's options."""

from __future__ import annotations

import random
from collections.abc import Collection
from dataclasses import dataclass
from pathlib import Path

from .loader import QuizError, content_problems, load_quiz
from .models import QuizBook, QuizQuestion, QuizTopic

ROUND_SIZE = 10
ALL_TOPICS = "all"
# A workshop round in a group: how many questions and seconds per question, by default and
# at most. Telegram's shortest open_period is 5 seconds.
GROUP_QUESTIONS, MAX_GROUP_QUESTIONS = 10, 30
GROUP_SECONDS, MIN_SECONDS, MAX_SECONDS = 30, 5, 600


@dataclass(frozen=True)
class ShuffledQuestion:
    """A question as one poll shows it: options in a fresh order, `correct` moved with them."""

    question: str
    options: list[str]
    correct: int
    explanation: str


@dataclass(frozen=True)
class GroupRoundSpec:
    topic: str | None  # None: all topics
    count: int = GROUP_QUESTIONS
    seconds: int = GROUP_SECONDS


@dataclass(frozen=True)
class QuizBank:
    book: QuizBook
    questions: dict[str, QuizQuestion]
    topics: dict[str, QuizTopic]

    @classmethod
    def load(cls, path: Path) -> QuizBank:
        """Load and fully check the bank: the bot never starts on polls Telegram would reject."""
        book = load_quiz(path)
        problems = content_problems(book, path)
        if problems:
            raise QuizError(problems)
        return cls(
            book=book,
            questions={q.id: q for q in book.questions},
            topics={t.id: t for t in book.topics},
        )

    def pick(self, topic: str | None, count: int, rng: random.Random) -> list[str]:
        """Up to `count` question ids from one topic (None: any topic), in random order."""
        ids = [q.id for q in self.book.questions if topic is None or q.topic == topic]
        return rng.sample(ids, min(count, len(ids)))

    def shuffled(self, question_id: str, lang: str, rng: random.Random) -> ShuffledQuestion:
        question = self.questions[question_id]
        options = question.options.get(lang)
        order = rng.sample(range(len(options)), len(options))
        return ShuffledQuestion(
            question=question.question.get(lang),
            options=[options[i] for i in order],
            correct=order.index(question.correct),
            explanation=question.explanation.get(lang),
        )

    def right_option(self, question_id: str, lang: str) -> str | None:
        """The correct option's text; None for a question edited out of the bank."""
        question = self.questions.get(question_id)
        return question.options.get(lang)[question.correct] if question else None

    def topic_of(self, question_id: str) -> str | None:
        """None for a question no longer in the bank (edited out after a round began)."""
        question = self.questions.get(question_id)
        return question.topic if question else None

    def topic_title(self, topic_id: str, lang: str) -> str:
        topic = self.topics.get(topic_id)
        return topic.title.get(lang) if topic else topic_id


def parse_group_args(
    args: str | None, topic_ids: Collection[str], min_seconds: int = MIN_SECONDS
) -> GroupRoundSpec | None:
    """`/quiz [topic|all] [questions] [seconds]` in a group; None if the arguments are wrong."""
    words = (args or "").split()
    topic: str | None = None
    if words and not words[0].isdigit():
        name = words.pop(0).lower()
        if name != ALL_TOPICS and name not in topic_ids:
            return None
        topic = None if name == ALL_TOPICS else name
    if len(words) > 2 or not all(word.isdigit() for word in words):
        return None
    numbers = [int(word) for word in words]
    count = numbers[0] if numbers else GROUP_QUESTIONS
    seconds = numbers[1] if len(numbers) > 1 else GROUP_SECONDS
    if not (1 <= count <= MAX_GROUP_QUESTIONS and min_seconds <= seconds <= MAX_SECONDS):
        return None
    return GroupRoundSpec(topic=topic, count=count, seconds=seconds)
