"""`python -m bot check` on the FAQ: each broken file gets one clear line saying where and why."""

import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from bot.faq import check_faq, load_faq
from bot.faq.loader import html_problems
from tests.conftest import SMALL_FAQ


def _write(tmp_path: Path, data) -> Path:
    path = tmp_path / "faq.yaml"
    path.write_text(data if isinstance(data, str) else yaml.safe_dump(data, allow_unicode=True))
    return path


@pytest.fixture
def good() -> dict:
    return yaml.safe_load(SMALL_FAQ.read_text())


def test_the_small_faq_is_valid():
    assert check_faq(SMALL_FAQ) == []


def test_bad_yaml(tmp_path):
    problems = check_faq(_write(tmp_path, "version: 1\nentries: [\n  - id: x"))
    assert len(problems) == 1 and "not valid YAML" in problems[0]


def test_missing_language_names_entry_and_field(tmp_path, good):
    del good["entries"][1]["answer"]["kk"]
    (problem,) = check_faq(_write(tmp_path, good))
    assert "entry 'polling_station'" in problem and "answer.kk" in problem
    assert "Field required" in problem


def test_unknown_related_id(tmp_path, good):
    good["entries"][0]["related"] = ["no_such_topic"]
    (problem,) = check_faq(_write(tmp_path, good))
    assert "entry 'election_date'" in problem and "'no_such_topic' does not exist" in problem


def test_duplicate_id(tmp_path, good):
    good["entries"][1]["id"] = "election_date"
    (problem,) = check_faq(_write(tmp_path, good))
    assert "duplicate id" in problem


def test_out_of_scope_topic_missing_a_language_or_reusing_an_entry_id(tmp_path, good):
    del good["out_of_scope"][0]["questions"]["en"]
    (problem,) = check_faq(_write(tmp_path, good))
    assert "out_of_scope topic 'senate_elections'" in problem and "questions.en" in problem

    good["out_of_scope"][0]["questions"]["en"] = ["Senate"]
    good["out_of_scope"][0]["id"] = "election_date"
    (problem,) = check_faq(_write(tmp_path, good))
    assert "out_of_scope 'election_date': id already used" in problem


def test_answer_over_telegram_limit(tmp_path, good):
    good["entries"][0]["answer"]["en"] = "x" * 5000
    (problem,) = check_faq(_write(tmp_path, good))
    assert "answer.en" in problem and "4096" in problem


def test_invalid_html(tmp_path, good):
    good["entries"][0]["answer"]["ru"] = "<b>жирный <i>курсив</b></i> & <script>x</script>"
    problems = check_faq(_write(tmp_path, good))
    assert problems and all("entry 'election_date' answer.ru" in p for p in problems)
    assert any("<script>" in p for p in problems)
    assert any("bare '&'" in p for p in problems)


@pytest.mark.parametrize(
    ("text", "ok"),
    [
        ('<b>bold</b> and <a href="https://x.kz">link</a> &amp; 5 &lt; 7', True),
        ("<b>never closed", False),
        ("a < b", False),
        ("<div>block</div>", False),
        ("<a>no href</a>", False),
    ],
)
def test_html_rules(text, ok):
    assert (html_problems(text) == []) is ok


def test_load_faq_raises_with_every_problem(tmp_path, good):
    del good["entries"][0]["questions"]["en"]
    del good["entries"][2]["answer"]["ru"]
    with pytest.raises(Exception) as excinfo:
        load_faq(_write(tmp_path, good))
    assert len(excinfo.value.problems) == 2


def test_check_command_exits_nonzero_with_reason(tmp_path, good):
    good["entries"][0]["related"] = ["ghost"]
    path = _write(tmp_path, good)
    run = subprocess.run(
        [sys.executable, "-m", "bot", "check", "--faq", str(path)],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert run.returncode == 1
    assert "ghost" in run.stderr and str(path) in run.stderr
