"""The quiz bank: `python -m bot check` names the file, the question and the reason for every
problem; picking and shuffling questions; a trainer's /quiz arguments in a group."""

import random
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from bot.config import PROJECT_ROOT
from bot.quiz import QuizBank, QuizError, check_quiz, parse_group_args
from bot.quiz.bank import GROUP_QUESTIONS, GROUP_SECONDS

REAL_QUIZ = PROJECT_ROOT / "data" / "quiz.yaml"
SMALL_QUIZ = Path(__file__).parent / "data" / "quiz_small.yaml"


def _write(tmp_path: Path, data: dict) -> Path:
    path = tmp_path / "quiz.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return path


@pytest.fixture
def good() -> dict:
    """The real bank: it passes every check, so each test breaks exactly one thing."""
    return yaml.safe_load(REAL_QUIZ.read_text(encoding="utf-8"))


def _question(data: dict, index: int = 3) -> tuple[dict, str]:
    question = data["questions"][index]
    return question, f"question '{question['id']}' (questions[{index}])"


def test_the_real_bank_passes_the_check_and_covers_every_topic():
    assert check_quiz(REAL_QUIZ) == []
    bank = QuizBank.load(REAL_QUIZ)
    assert len(bank.questions) >= 60
    for topic in bank.topics:
        assert sum(q.topic == topic for q in bank.questions.values()) >= 8, topic


@pytest.mark.parametrize("field", ["question", "explanation"])
def test_a_missing_language(tmp_path, good, field):
    question, where = _question(good)
    del question[field]["kk"]
    path = _write(tmp_path, good)
    assert check_quiz(path) == [f"{path}: {where} {field}.kk: Field required"]


def test_options_missing_in_one_language(tmp_path, good):
    question, where = _question(good)
    del question["options"]["ru"]
    (problem,) = check_quiz(_write(tmp_path, good))
    assert where in problem and "options.ru: Field required" in problem


def test_an_over_long_option(tmp_path, good):
    question, where = _question(good)
    question["options"]["en"][1] = "x" * 101
    path = _write(tmp_path, good)
    assert check_quiz(path) == [
        f"{path}: {where} options.en[1]: 101 characters, Telegram allows 100"
    ]


def test_an_over_long_explanation(tmp_path, good):
    question, where = _question(good)
    question["explanation"]["kk"] = "ә" * 201
    path = _write(tmp_path, good)
    assert check_quiz(path) == [
        f"{path}: {where} explanation.kk: 201 characters, Telegram allows 200"
    ]


def test_an_over_long_question(tmp_path, good):
    question, where = _question(good)
    question["question"]["ru"] = "в" * 301
    path = _write(tmp_path, good)
    assert check_quiz(path) == [f"{path}: {where} question.ru: 301 characters, Telegram allows 300"]


def test_a_correct_index_out_of_range(tmp_path, good):
    question, where = _question(good)
    question["correct"] = len(question["options"]["en"])
    path = _write(tmp_path, good)
    last = len(question["options"]["en"]) - 1
    assert check_quiz(path) == [
        f"{path}: {where}: correct: {last + 1} is out of range (options are numbered 0 to {last})"
    ]


def test_a_duplicate_question(tmp_path, good):
    first, first_where = _question(good, 3)
    second, second_where = _question(good, 4)
    second["question"]["ru"] = "  " + first["question"]["ru"].upper() + " "
    path = _write(tmp_path, good)
    assert check_quiz(path) == [
        f"{path}: {second_where} question.ru: duplicate question, the same as {first_where}"
    ]


def test_a_copied_question_is_one_duplicate_id_and_one_duplicate_question(tmp_path, good):
    good["questions"].append(dict(good["questions"][0]))
    copy_at = len(good["questions"]) - 1
    problems = check_quiz(_write(tmp_path, good))
    assert len(problems) == 2
    assert f"(questions[{copy_at}]): duplicate id" in problems[0]
    assert "question.kk/ru/en: duplicate question, the same as question" in problems[1]
    assert "(questions[0])" in problems[1]


def test_too_few_options_and_an_unknown_topic(tmp_path, good):
    question, where = _question(good)
    question["options"] = {lang: options[:2] for lang, options in question["options"].items()}
    problems = check_quiz(_write(tmp_path, good))
    assert [p.split(where)[1] for p in problems] == [
        f" options.{lang}: List should have at least 3 items after validation, not 2"
        for lang in ("kk", "ru", "en")
    ]
    good = yaml.safe_load(REAL_QUIZ.read_text(encoding="utf-8"))
    good["questions"][3]["topic"] = "weather"
    (problem,) = check_quiz(_write(tmp_path, good))
    assert "unknown topic 'weather'" in problem


def test_too_few_questions_for_a_workshop(tmp_path, good):
    good["questions"] = [q for q in good["questions"] if q["topic"] != "observers"]
    problems = check_quiz(_write(tmp_path, good))
    assert problems == [
        f"{tmp_path / 'quiz.yaml'}: topic 'observers': 0 questions, at least 8 needed"
    ]


def test_the_bot_refuses_to_start_on_a_bank_telegram_would_reject(tmp_path, good):
    good["questions"][0]["options"]["kk"][0] = "x" * 150
    with pytest.raises(QuizError) as excinfo:
        QuizBank.load(_write(tmp_path, good))
    assert "options.kk[0]: 150 characters" in str(excinfo.value)


def test_check_command_names_the_file_and_fails(tmp_path, good):
    question, where = _question(good)
    question["explanation"]["en"] = "y" * 250
    path = _write(tmp_path, good)
    run = subprocess.run(
        [sys.executable, "-m", "bot", "check", "--quiz", str(path)],
        capture_output=True,
        text=True,
        cwd=PROJECT_ROOT,
        timeout=60,
    )
    assert run.returncode == 1
    assert f"{path}: {where} explanation.en: 250 characters" in run.stderr
    assert "check: 1 problem(s)" in run.stderr


# --- using the bank -------------------------------------------------------------------------
def test_shuffled_options_keep_the_right_answer():
    bank = QuizBank.load(SMALL_QUIZ)
    rng = random.Random(7)
    for question in bank.questions.values():
        for lang in ("kk", "ru", "en"):
            orders = set()
            for _ in range(20):
                shown = bank.shuffled(question.id, lang, rng)
                assert sorted(shown.options) == sorted(question.options.get(lang))
                assert shown.options[shown.correct] == question.options.get(lang)[question.correct]
                assert shown.explanation == question.explanation.get(lang)
                orders.add(tuple(shown.options))
            assert len(orders) > 1  # really shuffled


def test_pick_stays_in_the_topic_and_within_the_bank():
    bank = QuizBank.load(SMALL_QUIZ)
    rng = random.Random(1)
    picked = bank.pick("observers", 10, rng)
    assert sorted(picked) == ["observers_01", "observers_02"]
    everything = bank.pick(None, 10, rng)
    assert len(everything) == len(set(everything)) == 5
    assert len(bank.pick(None, 3, rng)) == 3


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (None, (None, GROUP_QUESTIONS, GROUP_SECONDS)),
        ("all", (None, GROUP_QUESTIONS, GROUP_SECONDS)),
        ("observers", ("observers", GROUP_QUESTIONS, GROUP_SECONDS)),
        ("Observers 5", ("observers", 5, GROUP_SECONDS)),
        ("observers 5 20", ("observers", 5, 20)),
        ("7 15", (None, 7, 15)),
        ("weather 5", None),
        ("observers five", None),
        ("observers 0", None),
        ("observers 31", None),
        ("observers 5 4", None),  # under Telegram's shortest open_period
        ("observers 5 601", None),
        ("observers 5 20 9", None),
    ],
)
def test_group_arguments(args, expected):
    spec = parse_group_args(args, {"observers", "deposits"})
    assert (spec and (spec.topic, spec.count, spec.seconds)) == expected


def test_group_arguments_honour_a_lower_minimum_for_tests():
    assert parse_group_args("all 2 1", set(), min_seconds=1).seconds == 1
    assert parse_group_args("all 2 1", set()) is None
