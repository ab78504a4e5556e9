"""The lexical signal: how well the words of a message match each entry's phrasings, in any of
kk/ru/en, with typos and transliteration; and the language of a message.

How it works, in short:
- Every question in the FAQ (all phrasings, all languages) is reduced to *concepts*: word
  skeletons (text.py); the forms of one word and the synonyms from the FAQ make one concept.
- Each concept is weighted by how specific it is (inverse document frequency over entries).
- A query word is resolved to a known word exactly, by a shared stem (inflection), or by fuzzy
  similarity (typos, rapidfuzz). Words that resolve to nothing count against the match, which
  is what keeps out-of-scope questions from being answered.
- A question scores by how much of the query it explains and how much of itself the query
  covers; an entry scores by its best question plus how much of the query all its phrasings
  explain together. An inverted index keeps the work proportional to the query, not the FAQ.
- The FAQ's out-of-scope topics (the Senate, the weather...) are scored like entries.
"""

from __future__ import annotations

import math
from collections import defaultdict
from dataclasses import dataclass, field

import numpy as np
from rapidfuzz import fuzz, process

from .lexicon import ALL_STOPWORDS, SOCIAL_BY_LANG, SOCIAL_WORDS, STOPWORDS, is_context_word
from .models import LANGS, FaqBook
from .text import KAZAKH_LETTERS, skeleton, words

MAX_QUERY_CHARS = 1500
_MAX_PHRASE = 4
_CACHE_LIMIT = 50_000
_STEM_MIN_LENGTH = 6
_STEM_LENGTH = 5
# How a score is made (chosen on the project's own labelled set, see README):
_QUERY_SHARE = 0.3  # a question's score: how much of the query it explains, the rest how
#                     much of the question the query covers
_BEST_QUESTION_SHARE = 0.5  # an entry's score: its best question, the rest how much of the
#                             query all its phrasings explain together


@dataclass(slots=True)
class _Vocabulary:
    """Known word skeletons, with their concept and the languages they were seen in."""

    concept: dict[str, str] = field(default_factory=dict)
    langs: dict[str, set[str]] = field(default_factory=lambda: defaultdict(set))
    by_prefix: dict[str, list[str]] = field(default_factory=lambda: defaultdict(list))
    by_first: dict[str, list[str]] = field(default_factory=lambda: defaultdict(list))

    def add(self, token: str, concept: str, lang: str | None) -> None:
        if token not in self.concept:
            self.concept[token] = concept
            # Inexact matches only lead to content words: a rare word that looks like a
            # function word ("несие" and "неше") must still count as unknown.
            if token not in ALL_STOPWORDS:
                self.by_prefix[token[:4]].append(token)
                self.by_first[token[:1]].append(token)
        if lang:
            self.langs[token].add(lang)


def _stem_concept(token: str) -> str:
    """The concept of a word in the FAQ: its first letters, for words long enough to carry an
    ending, so that "тізімде" and "тізімінде", "выборы" and "выборах" count as one word."""
    if len(token) < _STEM_MIN_LENGTH or token in ALL_STOPWORDS:
        return token
    return "~" + token[:_STEM_LENGTH]


def _common_prefix(a: str, b: str) -> int:
    n = min(len(a), len(b))
    i = 0
    while i < n and a[i] == b[i]:
        i += 1
    return i


class LexicalIndex:
    """Index over one FaqBook's phrasings. Build once at start-up; `scores` is then fast.

    Scores are per indexed item: the entries in the book's order, then the out-of-scope topics.
    """

    def __init__(self, book: FaqBook) -> None:
        indexed = [*book.entries, *book.out_of_scope]
        self._indexed_ids = [item.id for item in indexed]
        self._vocab = _Vocabulary()
        self._phrases: dict[tuple[str, ...], str] = {}
        self._resolve_cache: dict[str, tuple[str, float] | None] = {}
        self._load_synonyms(book.synonyms)

        question_concepts: list[set[str]] = []
        question_entry: list[int] = []
        for entry_index, entry in enumerate(indexed):
            for lang in LANGS:
                for question in entry.questions.get(lang):
                    tokens = [skeleton(w) for w in words(question)]
                    for token in tokens:
                        concept = self._vocab.concept.get(token) or _stem_concept(token)
                        self._vocab.add(token, concept, lang)
                    question_concepts.append(set(self._concepts_of([(t, 1.0) for t in tokens])))
                    question_entry.append(entry_index)
        self._build_weights(question_concepts, question_entry)

    # --- building -------------------------------------------------------------------------
    def _load_synonyms(self, groups: list[list[str]]) -> None:
        for number, group in enumerate(groups):
            concept = f"~syn{number}"
            for phrase in group:
                tokens = tuple(skeleton(w) for w in words(phrase))
                if len(tokens) == 1:
                    self._vocab.add(tokens[0], concept, None)
                elif 1 < len(tokens) <= _MAX_PHRASE:
                    self._phrases[tokens] = concept

    def _concepts_of(self, words: list[tuple[str, float]]) -> dict[str, float]:
        """Concepts of resolved words (known word, how sure), each with how sure it is. A
        multi-word synonym stands for its words, so "военный билет" is one concept, not three."""
        found: dict[str, float] = {}
        covered: set[int] = set()
        for start in range(len(words) if self._phrases else 0):
            for length in range(min(_MAX_PHRASE, len(words) - start), 1, -1):
                span = words[start : start + length]
                concept = self._phrases.get(tuple(word for word, _ in span))
                if concept:
                    sure = min(sim for _, sim in span)
                    found[concept] = max(found.get(concept, 0.0), sure)
                    covered.update(range(start, start + length))
                    break
        for position, (word, sim) in enumerate(words):
            if position not in covered:
                concept = self._vocab.concept.get(word, word)
                found[concept] = max(found.get(concept, 0.0), sim)
        return found

    def _build_weights(self, question_concepts: list[set[str]], question_entry: list[int]) -> None:
        n_entries = len(self._indexed_ids)
        entries_with: dict[str, set[int]] = defaultdict(set)
        for concepts, entry_index in zip(question_concepts, question_entry, strict=True):
            for concept in concepts:
                entries_with[concept].add(entry_index)
        self._weight: dict[str, float] = {}
        for concept, entries in entries_with.items():
            idf = math.log(1.0 + n_entries / len(entries))
            self._weight[concept] = idf * (0.35 if concept in ALL_STOPWORDS else 1.0)
        # A word the FAQ does not know weighs almost as much as the rarest word it knows.
        self._unknown_weight = 0.8 * math.log(1.0 + n_entries)

        postings: dict[str, list[int]] = defaultdict(list)
        for q_index, concepts in enumerate(question_concepts):
            for concept in concepts:
                postings[concept].append(q_index)
        self._postings = {c: np.asarray(ix, dtype=np.int32) for c, ix in postings.items()}
        self._entry_postings = {
            c: np.asarray(sorted(ix), dtype=np.int32) for c, ix in entries_with.items()
        }
        self._question_total = np.asarray(
            [sum(self._weight[c] for c in concepts) or 1.0 for concepts in question_concepts]
        )
        self._question_entry = np.asarray(question_entry, dtype=np.int32)
        # Questions are stored entry by entry, so an entry's best question is a reduceat.
        self._entry_starts = np.flatnonzero(np.r_[True, np.diff(self._question_entry) != 0])

    # --- matching -------------------------------------------------------------------------
    def clear_cache(self) -> None:
        """Forget resolved words (benchmarks measure the cold path with it)."""
        self._resolve_cache.clear()

    def _resolve(self, token: str) -> tuple[str, float] | None:
        """The known word a query word stands for, and how sure that is (0..1)."""
        cached = self._resolve_cache.get(token, False)
        if cached is not False:
            return cached
        result = self._resolve_uncached(token)
        if len(self._resolve_cache) >= _CACHE_LIMIT:
            self._resolve_cache.clear()
        self._resolve_cache[token] = result
        return result

    def _resolve_uncached(self, token: str) -> tuple[str, float] | None:
        if token in self._vocab.concept:
            return token, 1.0
        if len(token) < 4 or token.isdigit():
            return None
        best: tuple[str, float] | None = None
        for known in self._vocab.by_prefix.get(token[:4], ()):
            shared = _common_prefix(token, known)
            shorter = min(len(token), len(known))
            if shared == shorter or shared >= max(5, 0.6 * shorter):
                sim = 0.7 + 0.3 * shared / max(len(token), len(known))
                if best is None or sim > best[1]:
                    best = (known, sim)
        # A typo: one slip in a short word (ratio 83 at six letters), a little more in a long one.
        if best is None and len(token) >= 5:
            found = process.extractOne(
                token,
                self._vocab.by_first.get(token[0], ()),
                scorer=fuzz.ratio,
                score_cutoff=78 if len(token) > 6 else 83,
            )
            if found:
                best = (found[0], 0.85 * found[1] / 100.0)
        return best

    def detect_language(self, text: str) -> str:
        """kk, ru or en: Kazakh letters, then which language's function words, greetings,
        thanks and FAQ words the message uses."""
        votes = dict.fromkeys(LANGS, 0.0)
        cyrillic = latin = 0
        for word in words(text[:MAX_QUERY_CHARS]):
            if any(ch in KAZAKH_LETTERS for ch in word):
                votes["kk"] += 2.0
                continue
            is_cyrillic = any("а" <= ch <= "я" or ch == "ё" for ch in word)
            cyrillic += is_cyrillic
            latin += not is_cyrillic and word.isascii() and word.isalpha()
            token = skeleton(word)
            langs = [
                lang for lang in LANGS if token in STOPWORDS[lang] or token in SOCIAL_BY_LANG[lang]
            ]
            if not langs:
                resolved = self._resolve(token)
                if resolved:
                    langs = sorted(self._vocab.langs.get(resolved[0], ()))
            if is_cyrillic:
                langs = [lang for lang in langs if lang != "en"]
            for lang in langs:
                votes[lang] += 1.0 / len(langs)
        if cyrillic:
            votes["ru"] += 0.3
        elif latin:
            votes["en"] += 0.3
        return max(LANGS, key=lambda lang: votes[lang])

    def scores(self, tokens: list[str]) -> np.ndarray:
        """0..100 per indexed item for a message's word skeletons (`skeletons()` of text.py);
        all zero when no word is known."""
        resolved: list[tuple[str, float]] = []
        unknown_weight = 0.0
        for token in tokens:
            hit = self._resolve(token)
            sim = hit[1] if hit else 0.0
            if sim < 1.0 and (
                len(token) > 2
                and token not in ALL_STOPWORDS
                and token not in SOCIAL_WORDS
                and not is_context_word(token)
            ):
                # What a word leaves unexplained counts against the match: all of an unknown
                # word, and the doubt in a word that only resembles a known one.
                unknown_weight += (1.0 - sim) * self._unknown_weight
            if hit is not None:
                resolved.append(hit)
        sims = self._concepts_of(resolved)

        weighted = [(c, self._weight[c] * s) for c, s in sims.items() if c in self._weight]
        query_total = sum(w for _, w in weighted) + unknown_weight
        if not weighted or query_total <= 0:
            return np.zeros(len(self._indexed_ids))

        matched = np.zeros(len(self._question_entry))
        entry_matched = np.zeros(len(self._indexed_ids))
        for concept, weight in weighted:
            matched[self._postings[concept]] += weight
            entry_matched[self._entry_postings[concept]] += weight
        per_question = (
            _QUERY_SHARE * matched / query_total
            + (1.0 - _QUERY_SHARE) * matched / self._question_total
        )
        best_question = np.maximum.reduceat(per_question, self._entry_starts)
        return 100.0 * (
            _BEST_QUESTION_SHARE * best_question
            + (1.0 - _BEST_QUESTION_SHARE) * entry_matched / query_total
        )
