"""Scores from answers, without a database or Telegram: a round's summary, a group's
standings, and the topics a trainee should revise."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass


@dataclass(frozen=True)
class TopicScore:
    topic: str
    correct: int
    total: int


@dataclass(frozen=True)
class RoundSummary:
    correct: int
    total: int
    topics: list[TopicScore]  # in the order the round first asked each topic
    missed: list[str]  # question ids answered wrongly or not at all, in the round's order


@dataclass(frozen=True)
class Standing:
    place: int
    first_name: str
    correct: int


def summarize(
    question_ids: Sequence[str],
    correct_at: Mapping[int, bool],
    topic_of: Callable[[str], str | None],
) -> RoundSummary:
    """`correct_at`: position -> whether the answer there was right (no key: not answered).

    A question no longer in the bank (topic None) is left out: it cannot be retried.
    """
    right: Counter[str] = Counter()
    asked: Counter[str] = Counter()
    missed: list[str] = []
    for position, question_id in enumerate(question_ids):
        topic = topic_of(question_id)
        if topic is None:
            continue
        asked[topic] += 1
        if correct_at.get(position):
            right[topic] += 1
        else:
            missed.append(question_id)
    return RoundSummary(
        correct=sum(right.values()),
        total=sum(asked.values()),
        topics=[TopicScore(topic, right[topic], n) for topic, n in asked.items()],
        missed=missed,
    )


def rank(scores: Iterable[tuple[str, int]]) -> list[Standing]:
    """Best first; equal scores share a place (1, 2, 2, 4) and are listed by name."""
    ordered = sorted(scores, key=lambda item: (-item[1], item[0].casefold()))
    standings: list[Standing] = []
    for index, (name, correct) in enumerate(ordered):
        tied = standings and standings[-1].correct == correct
        place = standings[-1].place if tied else index + 1
        standings.append(Standing(place, name, correct))
    return standings


def topics_to_revise(
    history: Iterable[tuple[str, bool]], topic_of: Callable[[str], str | None]
) -> list[tuple[str, int]]:
    """Topics with questions whose latest answer was wrong, most such questions first.

    `history` is (question id, correct), oldest first: a mistake put right later (for example
    by "retry my mistakes") no longer counts.
    """
    latest = dict(history)
    wrong = Counter(
        topic
        for question_id, correct in latest.items()
        if not correct and (topic := topic_of(question_id)) is not None
    )
    return sorted(wrong.items(), key=lambda item: (-item[1], item[0]))
