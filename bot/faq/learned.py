"""The learned signal: a linear classifier over character and word n-grams of the FAQ's
phrasings (all languages, and the out-of-scope topics), with the answers as weaker evidence.

It reads the same normalised text as the lexical signal (skeletons, text.py), so Kazakh
letters, Cyrillic and Latin transliteration meet in one feature space. Where the lexical score
needs a word to resolve, character n-grams also credit a long typo or an unseen inflection.
Trained at start-up: about 1.7 s for the real FAQ on a 2-core machine.
"""

from __future__ import annotations

import re

import numpy as np
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.pipeline import FeatureUnion
from sklearn.svm import LinearSVC

from .models import LANGS, FaqBook
from .text import skeletons

_ANSWER_WEIGHT = 0.3  # a sentence of an answer counts this much of a phrasing
_MIN_ANSWER_SENTENCE = 20
_TAG = re.compile(r"<[^>]+>")
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+|\n+")


def _normalise(text: str) -> str:
    return " ".join(skeletons(text))


def answer_sentences(answer: str) -> list[str]:
    text = _TAG.sub(" ", answer)
    return [s for s in _SENTENCE_END.split(text) if len(s) >= _MIN_ANSWER_SENTENCE]


class LearnedSignal:
    """Per indexed item (the entries, then the out-of-scope topics), how far the classifier puts
    a message on that item's side: about -1.5..1.5, the best item of a clear match near 1."""

    def __init__(self, book: FaqBook) -> None:
        labels, texts = (list(column) for column in zip(*book.phrasings(), strict=True))
        weights = [1.0] * len(texts)
        for index, entry in enumerate(book.entries):
            for lang in LANGS:
                for sentence in answer_sentences(entry.answer.get(lang)):
                    texts.append(sentence)
                    labels.append(index)
                    weights.append(_ANSWER_WEIGHT)
        self._features = FeatureUnion(
            [
                (
                    "chars",
                    TfidfVectorizer(analyzer="char_wb", ngram_range=(2, 5), sublinear_tf=True),
                ),
                ("words", TfidfVectorizer(analyzer="word", ngram_range=(1, 2), sublinear_tf=True)),
            ]
        )
        matrix = self._features.fit_transform([_normalise(t) for t in texts])
        self._model = LinearSVC(C=1.0).fit(matrix, labels, sample_weight=weights)

    def scores(self, texts: list[str]) -> np.ndarray:
        """One row per text, one column per indexed item."""
        margins = self._model.decision_function(
            self._features.transform([_normalise(t) for t in texts])
        )
        if margins.ndim == 1:  # two items: one margin, for the second
            margins = np.stack([-margins, margins], axis=1)
        return margins
