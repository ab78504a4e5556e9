"""Score any version of the bot from outside, through the `python -m bot match` contract.

    python benchmarks/score_contract.py LABELLED.jsonl [--bot DIR] [--python PY] [--lines A-B]

Runs `python -m bot match` in DIR (default: this checkout) on the questions of LABELLED and
prints what match_bench.py prints of the whole matcher: top-1 in scope per language and style,
wrong answers, the right entry within one tap and out of scope answered. Used to measure an
older commit (a `git worktree`) on a new set.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from match_bench import read_labelled, report_outcomes


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("labelled", type=Path)
    parser.add_argument("--bot", type=Path, default=Path(__file__).resolve().parent.parent)
    parser.add_argument("--python", default=sys.executable)
    parser.add_argument("--lines", help="1-based inclusive range, e.g. 186-370")
    args = parser.parse_args()

    rows = read_labelled(args.labelled)
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
    report_outcomes(rows, [(got["id"], got["suggestions"]) for got in answers])
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
