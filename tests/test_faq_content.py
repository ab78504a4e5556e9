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


# Entries whose answers report the 19 March 2023 election as past, and the canonical question
# each one used to show on its button in the future (or present-for-future) tense. That old
# phrasing must stay among the alternates: voters still write it and the matcher uses it.
PAST_EVENT_QUESTIONS = {
    "election_date": {
        "kk": "Сайлау қашан өтеді?",
        "ru": "Когда пройдут выборы?",
        "en": "When is the election?",
    },
    "why_early_election": {
        "kk": "Сайлау неге мерзімінен бұрын өтеді?",
        "ru": "Почему выборы досрочные?",
        "en": "Why is the election early?",
    },
    "mazhilis_seats": {
        "kk": "Мәжіліске неше депутат сайланады?",
        "ru": "Сколько депутатов избирают в Мажилис?",
        "en": "How many Mazhilis deputies are elected?",
    },
    "ballots_count": {
        "kk": "Маған неше бюллетень беріледі?",
        "ru": "Сколько бюллетеней я получу?",
        "en": "How many ballots will I get?",
    },
    "election_commissions": {
        "kk": "Сайлауды қандай комиссиялар өткізеді?",
        "ru": "Какие комиссии проводят выборы?",
        "en": "Which commissions run the election?",
    },
    "absentee_certificate": {
        "kk": "Сайлау күні басқа жерде болсам, қалай дауыс беремін?",
        "ru": "Меня не будет дома в день выборов. Что делать?",
        "en": "I'll be away on election day. How can I vote?",
    },
    "campaign_period": {
        "kk": "Сайлауалды үгіт қашан басталады?",
        "ru": "Когда начинается предвыборная агитация?",
        "en": "When does campaigning start?",
    },
    "international_observers": {
        "kk": "Халықаралық байқаушылар бола ма?",
        "ru": "Будут ли международные наблюдатели?",
        "en": "Are there international observers?",
    },
}
# Future and present forms of the verbs concerned, and their past forms.
_NOT_PAST = {
    "en": re.compile(r"\b(will|shall|is|are|do|does|run)\b|'ll\b", re.IGNORECASE),
    "ru": re.compile(
        r"\b(будет|будут|буду|пройдут|получу|избирают|проводят|начинается|досрочные)\b",
        re.IGNORECASE,
    ),
    "kk": re.compile(
        r"(өтеді|сайланады|беріледі|өткізеді|беремін|басталады|бола ма)", re.IGNORECASE
    ),
}
_PAST = {
    "en": re.compile(r"\b(was|were|did|ran)\b", re.IGNORECASE),
    "ru": re.compile(
        r"\b(прошли|были|избрали|получал|проводили|голосовали|началась)\b", re.IGNORECASE
    ),
    "kk": re.compile(r"(өтті|сайланды|берілді|өткізді|берді|басталды|болды)", re.IGNORECASE),
}


@pytest.mark.parametrize("entry_id", sorted(PAST_EVENT_QUESTIONS))
def test_canonical_questions_about_the_past_election_are_in_the_past_tense(
    knowledge: KnowledgeBase, entry_id
):
    entry = knowledge.get(entry_id)
    for lang, old in PAST_EVENT_QUESTIONS[entry_id].items():
        canonical, *alternates = entry.questions.get(lang)
        assert _PAST[lang].search(canonical), (entry_id, lang, canonical)
        assert not _NOT_PAST[lang].search(canonical), (entry_id, lang, canonical)
        assert old in alternates, (entry_id, lang, old)
