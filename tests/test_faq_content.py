"""The shipped knowledge base: every workshop topic, in every language, short and well-formed."""

from __future__ import annotations

import re
from itertools import combinations
from pathlib import Path

import pytest
from rapidfuzz import fuzz

from bot.content import LANGS
from bot.faq import KnowledgeBase
from bot.faq.loader import html_problems

TOPICS = Path(__file__).parent / "data" / "faq_topics.txt"
REQUIRED = [
    line.strip()
    for line in TOPICS.read_text(encoding="utf-8").splitlines()
    if line.strip() and not line.startswith("#")
]
ANSWER_LIMIT = 900  # visible characters: a phone screen or two (Telegram's own limit is 4,096)
MIN_PHRASINGS = 5  # the canonical question and at least 4 more, per language
NEAR_DUPLICATE = 90  # token_sort_ratio of two entries' canonical questions
_TAG = re.compile(r"<[^>]+>")


@pytest.fixture(scope="module")
def entries(knowledge: KnowledgeBase):
    return knowledge.book.entries


def test_every_required_topic_has_an_entry(entries):
    assert len(REQUIRED) == 46
    missing = sorted(set(REQUIRED) - {entry.id for entry in entries})
    assert missing == []


@pytest.mark.parametrize("lang", LANGS)
def test_every_entry_is_complete_in_each_language(entries, lang):
    for entry in entries:
        questions = entry.questions.get(lang)
        assert len(questions) >= MIN_PHRASINGS, (entry.id, lang, len(questions))
        assert len({q.casefold() for q in questions}) == len(questions), (entry.id, lang)
        answer = entry.answer.get(lang)
        assert answer.strip(), (entry.id, lang)
        assert html_problems(answer) == [], (entry.id, lang)
        visible = _TAG.sub("", answer)
        assert len(visible) <= ANSWER_LIMIT, (entry.id, lang, len(visible))
        # The rules described are those of the 19 March 2023 elections, and each answer says so.
        assert "2023" in visible, (entry.id, lang)


def test_every_entry_has_a_source_and_natural_next_questions(entries):
    ids = {entry.id for entry in entries}
    for entry in entries:
        assert entry.source and entry.source.startswith("https://"), entry.id
        assert 2 <= len(entry.related) <= 3, (entry.id, entry.related)
        assert entry.id not in entry.related and set(entry.related) <= ids, entry.id


@pytest.mark.parametrize("lang", LANGS)
def test_no_two_canonical_questions_are_near_duplicates(entries, lang):
    canonical = [(entry.id, entry.questions.get(lang)[0]) for entry in entries]
    close = [
        (a, b, score)
        for (a, qa), (b, qb) in combinations(canonical, 2)
        if (score := fuzz.token_sort_ratio(qa.casefold(), qb.casefold())) >= NEAR_DUPLICATE
    ]
    assert close == []


def test_the_bot_stays_neutral_on_whom_to_vote_for(knowledge: KnowledgeBase):
    answer = knowledge.get("whom_to_vote").answer
    for lang in LANGS:
        assert "election.gov.kz" in answer.get(lang), lang
