"""`python -m bot console`: the real bot logic in a terminal, driven like a user would."""

import os
import subprocess
import sys

from bot.config import PROJECT_ROOT
from bot.runners.console import plain_text


def run_console(tmp_path, lines: list[str], **env: str) -> subprocess.CompletedProcess:
    environment = {
        **os.environ,
        "DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path / 'console.db'}",
        **env,
    }
    environment.pop("BOT_TOKEN", None)
    return subprocess.run(
        [sys.executable, "-m", "bot", *(["run"] if env.get("_RUN") else ["console"])],
        input="\n".join(lines) + "\n",
        capture_output=True,
        text=True,
        timeout=120,
        cwd=PROJECT_ROOT,
        env=environment,
    )


def test_console_chat_with_buttons(tmp_path, knowledge):
    # /start offers languages as numbered buttons; "1" presses the first (Kazakh).
    run = run_console(tmp_path, ["/start", "1", "Сайлау қашан өтеді?", "/quit"])
    assert run.returncode == 0, run.stderr
    out = run.stdout
    assert "[1] 🇰🇿 Қазақша" in out
    assert "bot> Тіл: 🇰🇿 Қазақша." in out
    answer = plain_text(knowledge.entries["election_date"].answer.kk)
    assert answer.splitlines()[0] in out
    assert "[" in out.split(answer.splitlines()[0])[1]  # related and 👍/👎 as numbered buttons
    assert out.rstrip().endswith("Bye!")


def test_make_run_without_token_starts_the_console(tmp_path):
    run = run_console(tmp_path, ["Привет"], _RUN="1")
    assert run.returncode == 0, run.stderr
    assert "BOT_TOKEN is not set" in run.stderr
    assert "bot> Здравствуйте! Что вы хотели бы узнать о выборах?" in run.stdout


def test_console_quiz_polls_are_numbered_choices(tmp_path):
    small = PROJECT_ROOT / "tests" / "data" / "quiz_small.yaml"
    run = run_console(
        tmp_path, ["/quiz", "1", "1", "2", "/quit"], QUIZ_PATH=str(small), QUIZ_ROUND_SIZE="2"
    )
    assert run.returncode == 0, run.stderr
    out = run.stdout
    first, second = out.index("bot> 📊 1/2. "), out.index("bot> 📊 2/2. ")
    assert first < second < out.index("bot> 🏁")
    assert "[1] " in out[first:second] and "💡" in out[first:second]  # options, explanation
    assert "🆕" in out.split("bot> 🏁")[1]  # the results' buttons


def test_typed_numbers_press_buttons_or_say_there_is_none(tmp_path):
    run = run_console(tmp_path, ["9", "/start", "2", "7", "/quit"])
    assert run.returncode == 0, run.stderr
    out = run.stdout
    assert out.count("(no button 9)") == 1 and out.count("(no button 7)") == 1
    assert "напишите вопрос словами" not in out  # not sent to the bot as text
    assert "↳ 🇷🇺 Русский" in out  # the transcript shows what was pressed
    assert "bot> Язык: 🇷🇺 Русский." in out


def test_the_operator_side_of_the_console(tmp_path):
    """The whole hand-off without a token: the voter asks, the operator takes the card and
    replies, the voter gets the replies in order."""
    lines = [
        "What is the weather like in Astana tomorrow?",
        "1",  # Ask an operator
        "/as operator",
        "1",  # Take
        "Please check kazhydromet.kz: the bot knows only the elections.",
        "/as voter",
        "/quit",
    ]
    run = run_console(tmp_path, lines, OPERATORS_LANGUAGE="en")
    assert run.returncode == 0, run.stderr
    out = run.stdout
    voter, operator, back = (
        out.index("passed to an operator as #T1"),
        out.index("you are now the operator"),
        out.index("you are now the voter"),
    )
    assert voter < operator and out.index("(new in the operators' group") < operator
    card = out[operator:back]
    assert "🎫 #T1 · open" in card and "❓ What is the weather like in Astana tomorrow?" in card
    assert "↳ ✋ Take" in card and "🙋 Operator: Operator" in card
    replies = out[back:]
    taken = replies.index("bot> An operator has taken your question #T1.")
    header = replies.index("bot> 💬 An operator answers your question #T1:")
    text = replies.index("bot> Please check kazhydromet.kz: the bot knows only the elections.")
    assert taken < header < text
