"""The learned signal: a linear classifier over character and word n-grams of the FAQ's
phrasings (all languages, and the out-of-scope topics), with the answers as weaker evidence.

It reads the same normalised text as the lexical signal (skeletons, text.py), so Kazakh
letters, Cyrillic and Latin transliteration meet in one feature space. Where the lexical score
needs a word to resolve, character n-grams also credit a long typo or an unseen inflection.
Training takes about 3 s for the real FAQ with the asked questions (5,800 texts) on a 2-core
machine, so the trained model is kept
in a file keyed by what it was trained on (the phrasings, answers and scikit-learn's version):
a start with an unchanged FAQ loads it instead. The file is the bot's own output in var/, never
one taken from elsewhere (it is a pickle).
"""

from __future__ import annotations

import hashlib
import json
import logging
import re
from pathlib import Path

import joblib
import numpy as np
import sklearn
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.pipeline import FeatureUnion
from sklearn.svm import LinearSVC

from .models import LANGS, FaqBook
from .text import skeletons

_ANSWER_WEIGHT = 0.3  # a sentence of an answer counts this much of a phrasing
_MIN_ANSWER_SENTENCE = 20
_TAG = re.compile(r"<[^>]+>")
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+|\n+")
_MODEL_TAG = "svc-char2-5-word1-2-v1"  # part of the cache key: another recipe, another model

log = logging.getLogger(__name__)


def _normalise(text: str) -> str:
    return " ".join(skeletons(text))


def answer_sentences(answer: str) -> list[str]:
    text = _TAG.sub(" ", answer)
    return [s for s in _SENTENCE_END.split(text) if len(s) >= _MIN_ANSWER_SENTENCE]


class LearnedSignal:
    """Per indexed item (the entries, then the out-of-scope topics), how far the classifier puts
    a message on that item's side: about -1.5..1.5, the best item of a clear match near 1."""

    def __init__(self, book: FaqBook, cache: Path | None = None) -> None:
        """Trained on `book`, or loaded from `cache` when that file holds a model trained on
        the same texts (else trained and stored there)."""
        texts, labels, weights = _training_set(book)
        key = hashlib.sha256(
            json.dumps([_MODEL_TAG, sklearn.__version__, texts, labels, weights]).encode()
        ).hexdigest()
        stored = _load(cache, key) if cache is not None else None
        if stored is None:
            stored = _train(texts, labels, weights)
            if cache is not None:
                _store(cache, key, stored)
        self._features, self._model = stored
        self._blocks = _blocks(self._features)
        self._coef = np.atleast_2d(self._model.coef_)
        self._intercept = np.atleast_1d(self._model.intercept_)

    def scores(self, texts: list[str]) -> np.ndarray:
        """One row per text, one column per indexed item: the classifier's decision function,
        computed here for the few n-grams a message has. scikit-learn's own transform and
        decision_function give the same numbers (a test checks it) but spend about 1 ms per
        message on validation and joblib around a microsecond of arithmetic."""
        return _per_item(np.stack([self._margins(_normalise(t)) for t in texts]))

    def sklearn_scores(self, texts: list[str]) -> np.ndarray:
        """`scores` the long way, through scikit-learn (for the test that they agree)."""
        features = self._features.transform([_normalise(t) for t in texts])
        return _per_item(self._model.decision_function(features).reshape(len(texts), -1))

    def _margins(self, text: str) -> np.ndarray:
        margins = self._intercept.copy()
        for block in self._blocks:
            columns, weights = block.features(text)
            if len(columns):
                margins += self._coef[:, columns] @ weights
        return margins


class _Block:
    """One TfidfVectorizer of the union, as plain lookups: n-gram -> column, idf, offset."""

    def __init__(self, vectorizer: TfidfVectorizer, offset: int) -> None:
        self.analyze = vectorizer.build_analyzer()
        self.vocabulary = vectorizer.vocabulary_
        self.idf = vectorizer.idf_
        self.sublinear = vectorizer.sublinear_tf
        self.offset = offset

    def features(self, text: str) -> tuple[np.ndarray, np.ndarray]:
        """The text's non-zero columns and their l2-normalised tf-idf weights."""
        counts: dict[int, int] = {}
        for gram in self.analyze(text):
            column = self.vocabulary.get(gram)
            if column is not None:
                counts[column] = counts.get(column, 0) + 1
        columns = np.fromiter(counts, dtype=np.intp, count=len(counts))
        tf = np.fromiter(counts.values(), dtype=np.float64, count=len(counts))
        if self.sublinear:
            tf = np.log(tf) + 1.0
        weights = tf * self.idf[columns]
        norm = np.sqrt(weights @ weights)
        return columns + self.offset, (weights / norm if norm else weights)


def _per_item(margins: np.ndarray) -> np.ndarray:
    """One column per item: with two items the classifier gives one margin, for the second."""
    return np.hstack([-margins, margins]) if margins.shape[1] == 1 else margins


def _blocks(features: FeatureUnion) -> list[_Block]:
    blocks, offset = [], 0
    for _name, vectorizer in features.transformer_list:
        blocks.append(_Block(vectorizer, offset))
        offset += len(vectorizer.vocabulary_)
    return blocks


def _training_set(book: FaqBook) -> tuple[list[str], list[int], list[float]]:
    """The phrasings (weight 1) and the answers' sentences (weaker), each with its item."""
    labels, texts = (list(column) for column in zip(*book.phrasings(), strict=True))
    weights = [1.0] * len(texts)
    for index, entry in enumerate(book.entries):
        for lang in LANGS:
            for sentence in answer_sentences(entry.answer.get(lang)):
                texts.append(sentence)
                labels.append(index)
                weights.append(_ANSWER_WEIGHT)
    return [_normalise(t) for t in texts], labels, weights


def _train(texts: list[str], labels: list[int], weights: list[float]):
    features = FeatureUnion(
        [
            ("chars", TfidfVectorizer(analyzer="char_wb", ngram_range=(2, 5), sublinear_tf=True)),
            ("words", TfidfVectorizer(analyzer="word", ngram_range=(1, 2), sublinear_tf=True)),
        ]
    )
    matrix = features.fit_transform(texts)
    return features, LinearSVC(C=1.0).fit(matrix, labels, sample_weight=weights)


def _load(path: Path, key: str):
    """The stored (features, model) when trained on the same texts, else None."""
    if not path.exists():
        return None
    try:
        stored = joblib.load(path)
    except Exception as exc:  # a truncated or foreign file: train anew, and say so
        log.warning("learned model cache %s unreadable (%s); training anew", path.name, exc)
        return None
    return stored["model"] if stored.get("key") == key else None


def _store(path: Path, key: str, model) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_suffix(".partial")
    joblib.dump({"key": key, "model": model}, partial)
    partial.replace(path)
