"""The questions people asked (data/asked.jsonl) as more phrasings of the FAQ's entries."""

import json
from pathlib import Path

import pytest

from bot.faq import FaqError, FaqMatcher, KnowledgeBase, load_faq
from bot.faq.asked import ASKED_OUT_OF_SCOPE, check_asked, read_asked, with_asked
from tests.conftest import PROJECT_ROOT, SMALL_FAQ


def _write(tmp_path: Path, rows: list[dict | str]) -> Path:
    path = tmp_path / "asked.jsonl"
    lines = [r if isinstance(r, str) else json.dumps(r, ensure_ascii=False) for r in rows]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


STORY = (
    "Сәлеметсіз бе, мен Қарағандыда тұрамын, анам зейнеткер, ол сұрап отыр: "
    "биылғы дауыс беру науқаны қай айдың нешесінде аяқталады екен?"
)


def test_asked_questions_join_their_entries_after_the_editors_phrasings(tmp_path):
    book = load_faq(SMALL_FAQ)
    rows = read_asked(
        _write(
            tmp_path,
            [
                {"q": STORY, "lang": "kk", "expect": "election_date"},
                {"q": "погода завтра какая", "lang": "ru", "expect": None},
            ],
        )
    )
    merged = with_asked(book, rows)
    entry = merged.by_id()["election_date"]
    assert entry.questions.kk[-1] == STORY
    assert entry.title("kk") == book.by_id()["election_date"].title("kk")
    topic = next(t for t in merged.out_of_scope if t.id == ASKED_OUT_OF_SCOPE)
    assert topic.questions.ru == ["погода завтра какая"]
    assert topic.questions.kk == ["погода завтра какая"]  # no kk line: the others stand in


def test_an_asked_story_is_answered_once_it_is_a_phrasing(tmp_path):
    asked = _write(tmp_path, [{"q": STORY, "lang": "kk", "expect": "election_date"}])
    without = FaqMatcher(load_faq(SMALL_FAQ)).match(STORY)
    with_it = KnowledgeBase.load(SMALL_FAQ, asked=asked).matcher.match(STORY)
    assert without.entry_id != "election_date" or without.kind != "answer"
    assert (with_it.kind, with_it.entry_id) == ("answer", "election_date")


def test_bad_lines_and_unknown_entries_are_named(tmp_path):
    bad = _write(tmp_path, ["{not json", {"q": "", "lang": "kk"}, {"q": "x y", "lang": "de"}])
    with pytest.raises(FaqError) as caught:
        read_asked(bad)
    assert [p.split(": ", 1)[0].rsplit(":", 1)[1] for p in caught.value.problems] == [
        "1",
        "2",
        "3",
    ]
    unknown = _write(tmp_path, [{"q": "когда выборы", "lang": "ru", "expect": "no_such_id"}])
    assert check_asked(SMALL_FAQ, unknown) == [
        f"{unknown}:1: 'expect' 'no_such_id' is not an entry of the FAQ"
    ]
    with pytest.raises(FaqError):
        KnowledgeBase.load(SMALL_FAQ, asked=unknown)
    assert check_asked(SMALL_FAQ, tmp_path / "absent.jsonl") == []


def test_the_shipped_asked_questions_fit_the_shipped_faq():
    assert (
        check_asked(PROJECT_ROOT / "data" / "faq.yaml", PROJECT_ROOT / "data" / "asked.jsonl") == []
    )
