"""The learned signal: a linear classifier over character and word n-grams of the FAQ's
phrasings (all languages, and the out-of-scope topics), with the answers as weaker evidence.

It reads the same normalised text as the lexical signal (skeletons, text.py), so Kazakh
letters, Cyrillic and Latin transliteration meet in one feature space. Where the lexical score
needs a word to resolve, character n-grams also credit a long typo or an unseen inflection.
Training takes about 3 s for the real FAQ with the asked questions (5,800 texts) on a 2-core
machine, so the trained model is kept
in a file keyed by what it was trained on (the phrasings, answers and scikit-learn's version):
a start with an unchanged FAQ loads it instead. The file is a NumPy .npz of plain arrays (each
block's n-grams in column order, its idf, the coefficients), read without pickle: loading it
imports neither scikit-learn (0.66 s of the bot's start-up, needed only for training) nor
joblib, and takes about 0.18 s where a joblib pickle of the same took 0.35-0.48 s.
"""

from __future__ import annotations

import hashlib
import json
import logging
import re
from importlib.metadata import version
from pathlib import Path

import numpy as np

from .models import LANGS, FaqBook
from .text import skeletons

_ANSWER_WEIGHT = 0.3  # a sentence of an answer counts this much of a phrasing
_MIN_ANSWER_SENTENCE = 20
_TAG = re.compile(r"<[^>]+>")
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+|\n+")
# The two n-gram analyzers, as scikit-learn's TfidfVectorizer defines them.
_ANALYZERS = {"chars": ("char_wb", (2, 5)), "words": ("word", (1, 2))}
_WHITE_SPACES = re.compile(r"\s\s+")
_TOKEN = re.compile(r"(?u)\b\w\w+\b")
_MODEL_TAG = "svc-char2-5-word1-2-v3"  # part of the cache key: another recipe, another model

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
            json.dumps([_MODEL_TAG, version("scikit-learn"), texts, labels, weights]).encode()
        ).hexdigest()
        stored = _load(cache, key) if cache is not None else None
        if stored is None:
            stored = _train(texts, labels, weights)
            if cache is not None:
                _store(cache, key, stored)
        self._blocks = [_Block(**block) for block in stored["blocks"]]
        self._coef = stored["coef"]  # one row per class (one row for two classes)
        self._intercept = stored["intercept"]
        self._classes = stored["classes"]

    def scores(self, texts: list[str]) -> np.ndarray:
        """One row per text, one column per indexed item: the classifier's decision function,
        computed here for the few n-grams a message has. scikit-learn's own transform and
        decision_function give the same numbers (a test checks it) but spend about 1 ms per
        message on validation and joblib around a microsecond of arithmetic."""
        return _per_item(np.stack([self._margins(_normalise(t)) for t in texts]))

    def sklearn_scores(self, texts: list[str]) -> np.ndarray:
        """`scores` the long way, through scikit-learn's own transform and decision_function
        set up with the same vocabulary, idf and coefficients (for the test that they agree)."""
        from scipy.sparse import hstack
        from sklearn.feature_extraction.text import TfidfVectorizer
        from sklearn.svm import LinearSVC

        normalised = [_normalise(t) for t in texts]
        parts = []
        for block in self._blocks:
            analyzer, ngram_range = _ANALYZERS[block.name]
            vectorizer = TfidfVectorizer(
                analyzer=analyzer,
                ngram_range=ngram_range,
                sublinear_tf=block.sublinear,
                vocabulary=block.vocabulary,
            )
            vectorizer.idf_ = block.idf
            parts.append(vectorizer.transform(normalised))
        model = LinearSVC()
        model.coef_, model.intercept_, model.classes_ = self._coef, self._intercept, self._classes
        return _per_item(model.decision_function(hstack(parts)).reshape(len(texts), -1))

    def _margins(self, text: str) -> np.ndarray:
        margins = self._intercept.copy()
        for block in self._blocks:
            columns, weights = block.features(text)
            if len(columns):
                margins += self._coef[:, columns] @ weights
        return margins


class _Block:
    """One TfidfVectorizer of the union, as plain lookups: n-gram -> column, idf, offset."""

    def __init__(
        self, name: str, vocabulary: dict[str, int], idf: np.ndarray, sublinear: bool, offset: int
    ) -> None:
        self.name = name
        self.vocabulary = vocabulary
        self.idf = idf
        self.sublinear = sublinear
        self.offset = offset
        analyzer, (self.low, self.high) = _ANALYZERS[name]
        self.analyze = self._char_wb_grams if analyzer == "char_wb" else self._word_grams

    def _char_wb_grams(self, text: str) -> list[str]:
        """scikit-learn's char_wb: n-grams inside each word padded with spaces."""
        grams = []
        for word in _WHITE_SPACES.sub(" ", text.lower()).split():
            word = f" {word} "
            for n in range(self.low, self.high + 1):
                if len(word) <= n:
                    grams.append(word)  # a short word counts once
                    break
                grams.extend(word[i : i + n] for i in range(len(word) - n + 1))
        return grams

    def _word_grams(self, text: str) -> list[str]:
        """scikit-learn's word n-grams: tokens of two or more word characters, then joined."""
        tokens = _TOKEN.findall(text.lower())
        return [
            " ".join(tokens[i : i + n])
            for n in range(self.low, self.high + 1)
            for i in range(len(tokens) - n + 1)
        ]

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


def _train(texts: list[str], labels: list[int], weights: list[float]) -> dict:
    """Fit the n-grams and the classifier; their state as plain arrays and dicts."""
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.pipeline import FeatureUnion
    from sklearn.svm import LinearSVC

    vectorizers = {
        name: TfidfVectorizer(analyzer=analyzer, ngram_range=ngrams, sublinear_tf=True)
        for name, (analyzer, ngrams) in _ANALYZERS.items()
    }
    features = FeatureUnion(list(vectorizers.items()))
    model = LinearSVC(C=1.0).fit(features.fit_transform(texts), labels, sample_weight=weights)
    blocks, offset = [], 0
    for name, vectorizer in vectorizers.items():
        vocabulary = {gram: int(column) for gram, column in vectorizer.vocabulary_.items()}
        blocks.append(
            {"name": name, "vocabulary": vocabulary, "idf": vectorizer.idf_,
             "sublinear": vectorizer.sublinear_tf, "offset": offset}
        )  # fmt: skip
        offset += len(vocabulary)
    return {
        "blocks": blocks,
        "coef": model.coef_,
        "intercept": model.intercept_,
        "classes": model.classes_,
    }


def _load(path: Path, key: str) -> dict | None:
    """The stored model when trained on the same texts, else None."""
    if not path.exists():
        return None
    try:
        with np.load(path, allow_pickle=False) as stored:
            if str(stored["key"]) != key:
                return None
            arrays = {name: stored[name] for name in stored.files}
    except Exception as exc:  # a truncated or foreign file: train anew, and say so
        log.warning("learned model cache %s unreadable (%s); training anew", path.name, exc)
        return None
    blocks, offset = [], 0  # a block's columns follow the previous block's
    for index, name in enumerate(arrays["block_names"].tolist()):
        grams = arrays[f"grams_{index}"].tolist()
        blocks.append(
            {"name": name, "vocabulary": dict(zip(grams, range(len(grams)), strict=True)),
             "idf": arrays[f"idf_{index}"], "sublinear": bool(arrays[f"sublinear_{index}"]),
             "offset": offset}
        )  # fmt: skip
        offset += len(grams)
    return {
        "blocks": blocks,
        "coef": arrays["coef"],
        "intercept": arrays["intercept"],
        "classes": arrays["classes"],
    }


def _store(path: Path, key: str, model: dict) -> None:
    arrays = {
        "key": np.array(key),
        "coef": model["coef"],
        "intercept": model["intercept"],
        "classes": model["classes"],
        "block_names": np.array([block["name"] for block in model["blocks"]]),
    }
    for index, block in enumerate(model["blocks"]):
        vocabulary = block["vocabulary"]
        arrays[f"grams_{index}"] = np.array(sorted(vocabulary, key=vocabulary.__getitem__))
        arrays[f"idf_{index}"] = block["idf"]
        arrays[f"sublinear_{index}"] = np.array(block["sublinear"])
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_suffix(".partial")
    with partial.open("wb") as file:
        np.savez(file, **arrays)
    partial.replace(path)
