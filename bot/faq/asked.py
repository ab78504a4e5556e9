"""Questions voters and trainees really asked, each labelled with the entry that answers it or
as out of scope (data/asked.jsonl, one JSON object per line: q, lang, expect, style).

They join the FAQ's phrasings as more evidence for the learned and semantic signals (the
lexical one takes only those out of scope: lexical_book): people ask in words that editors do
not write (a story, slang, half a sentence). Measured with 5-fold cross-validation
(benchmarks/asked_cv.py, each fold matched with the other four folds' questions added), they
lifted top-1 from 93.1 to 94.8 % and cut wrong answers from 1.0 to 0.7 % (round 3, on 2,095
lines; the README has the figures of each round). They are added after
an entry's own phrasings, so the canonical question (the first) stays the editor's.
"""

from __future__ import annotations

import json
from pathlib import Path

from .loader import FaqError, load_faq
from .models import LANGS, FaqBook

# The out-of-scope topic that holds the asked questions labelled out of scope.
ASKED_OUT_OF_SCOPE = "asked_out_of_scope"


def read_asked(path: Path) -> list[dict]:
    """The labelled questions of `path`; FaqError lists every line that is not one."""
    rows, problems = [], []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
        except json.JSONDecodeError as exc:
            problems.append(f"{path}:{number}: not JSON ({exc.msg})")
            continue
        if not isinstance(row, dict) or not str(row.get("q", "")).strip():
            problems.append(f"{path}:{number}: needs a non-empty 'q'")
        elif row.get("lang") not in LANGS:
            problems.append(f"{path}:{number}: 'lang' must be one of {', '.join(LANGS)}")
        else:
            rows.append({"line": number, **row})
    if problems:
        raise FaqError(problems)
    return rows


def asked_problems(book: FaqBook, rows: list[dict], path: Path) -> list[str]:
    """Lines labelled with an entry the FAQ does not have."""
    known = {entry.id for entry in book.entries}
    return [
        f"{path}:{row['line']}: 'expect' {row['expect']!r} is not an entry of the FAQ"
        for row in rows
        if row.get("expect") is not None and row["expect"] not in known
    ]


def with_asked(book: FaqBook, rows: list[dict]) -> FaqBook:
    """`book` with the asked questions as extra phrasings of their entries (those it does not
    hold already), and those labelled out of scope as one more out-of-scope topic."""
    data = book.model_dump()
    entries = {entry["id"]: entry for entry in data["entries"]}
    outside: dict[str, list[str]] = {lang: [] for lang in LANGS}
    for row in rows:
        expect = row.get("expect")
        if expect is None:
            outside[row["lang"]].append(row["q"])
        elif expect in entries:
            questions = entries[expect]["questions"][row["lang"]]
            if row["q"].casefold() not in {q.casefold() for q in questions}:
                questions.append(row["q"])
    if any(outside.values()):
        everywhere = [q for lang in LANGS for q in outside[lang]]
        questions = {lang: outside[lang] or everywhere for lang in LANGS}
        data["out_of_scope"].append({"id": ASKED_OUT_OF_SCOPE, "questions": questions})
    return FaqBook.model_validate(data)


def check_asked(faq_path: Path, path: Path) -> list[str]:
    """`bot check`'s word on the asked questions (none where the file does not exist)."""
    if not path.exists():
        return []
    try:
        return asked_problems(load_faq(faq_path), read_asked(path), path)
    except FaqError as exc:
        return exc.problems


def lexical_book(book: FaqBook, rows: list[dict]) -> FaqBook:
    """What the lexical signal reads: the editors' phrasings, and the asked questions labelled
    out of scope. An asked question's typo would become a word of the lexical index ("кагда"
    would resolve to the one entry whose asked question has it, not to "когда"); out of scope,
    such a word can only make the bot abstain."""
    return with_asked(book, [row for row in rows if row.get("expect") is None])
