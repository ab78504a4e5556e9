"""Score any version of the bot from outside, through the `python -m bot match` contract.

    python benchmarks/score_contract.py LABELLED.jsonl [--bot DIR] [--python PY] [--lines A-B]

Runs `python -m bot match` in DIR (default: this checkout) on the questions of LABELLED and
prints top-1 in scope per language and style, wrong answers, the right entry within one tap
and out of scope answered. Used to measure an older commit (a `git worktree`) on a new set.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from collections import defaultdict
from pathlib import Path


def _percent(hits: int, total: int) -> str:
    return f"{100.0 * hits / total:5.1f} % ({hits}/{total})" if total else "   -"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("labelled", type=Path)
    parser.add_argument("--bot", type=Path, default=Path(__file__).resolve().parent.parent)
    parser.add_argument("--python", default=sys.executable)
    parser.add_argument("--lines", help="1-based inclusive range, e.g. 186-370")
    args = parser.parse_args()

    rows = [json.loads(line) for line in args.labelled.read_text("utf-8").splitlines() if line]
    if args.lines:
        first, last = (int(x) for x in args.lines.split("-"))
        rows = rows[first - 1 : last]
    questions = "".join(" ".join(row["q"].split()) + "\n" for row in rows)
    run = subprocess.run(
        [args.python, "-m", "bot", "match"],
        cwd=args.bot,
        input=questions,
        capture_output=True,
        text=True,
        check=True,
    )
    answers = [json.loads(line) for line in run.stdout.splitlines()]
    assert len(answers) == len(rows), (len(answers), len(rows))

    top1: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    wrong = one_tap = in_scope = oos = oos_answered = 0
    for row, got in zip(rows, answers, strict=True):
        if row["expect"] is None:
            oos += 1
            oos_answered += got["id"] is not None
            continue
        in_scope += 1
        right = got["id"] == row["expect"]
        wrong += got["id"] is not None and not right
        one_tap += right or row["expect"] in got["suggestions"]
        for key in ("all", f"lang {row['lang']}", f"style {row.get('style', '-')}"):
            top1[key][0] += right
            top1[key][1] += 1
    for key in sorted(top1, key=lambda k: (k != "all", k)):
        print(f"top-1 {key:<18} {_percent(*top1[key])}")
    print(f"wrong answers            {_percent(wrong, in_scope)}")
    print(f"right within one tap     {_percent(one_tap, in_scope)}")
    print(f"out of scope answered    {_percent(oos_answered, oos)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
