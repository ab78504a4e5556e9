import asyncio
import gc
import os
import shutil
import subprocess
import sys

import pytest
from aiogram.methods.base import Response
from aiogram.types import Message, Update
from aiogram.utils.i18n import I18n
from pydantic._internal import _generics
from sqlalchemy import text

from bot.app import response_models
from bot.config import PROJECT_ROOT, ConfigError, load_settings
from bot.content.catalogs import compile_catalogs
from bot.db.engine import create_engine, migrate
from bot.faq import MatchResult
from bot.middlewares import IntakeMiddleware
from bot.middlewares.flood_control import FloodControl, Verdict
from bot.offline import UpdateFactory
from bot.offline.server import FakeTelegram


def test_admin_ids_are_comma_separated(monkeypatch):
    monkeypatch.setenv("ADMIN_IDS", "1, 22,333")
    assert load_settings().admin_ids == frozenset({1, 22, 333})


@pytest.mark.parametrize(
    ("env", "value", "name"),
    [
        ("OPERATORS_CHAT_ID", "not-a-number", "OPERATORS_CHAT_ID"),
        ("ADMIN_IDS", "1,x", "ADMIN_IDS"),
        ("TELEGRAM_API_URL", "ftp://example", "TELEGRAM_API_URL"),
        ("BOT_TOKEN", "nocolon", "BOT_TOKEN"),
        ("DATABASE_URL", "mysql://bot@db/saylau", "DATABASE_URL"),
        ("DATABASE_URL", "postgresql+psycopg2://bot@db/saylau", "DATABASE_URL"),
        ("REDIS_URL", "localhost:6379", "REDIS_URL"),
    ],
)
def test_malformed_setting_names_itself(monkeypatch, env, value, name):
    monkeypatch.setenv(env, value)
    with pytest.raises(ConfigError) as excinfo:
        load_settings()
    assert str(excinfo.value).startswith(f"Configuration error: {name}:")
    assert "\n" not in str(excinfo.value)


@pytest.mark.parametrize(
    ("env", "value", "says"),
    [
        ("OPERATORS_CHAT_ID", "abc", "negative number starting with -100"),
        ("OPERATORS_CHAT_ID", "1234567", "is a user's id, not a group's"),
        ("ADMIN_IDS", "1,x", "'x' is not a Telegram user id"),
    ],
)
def test_a_malformed_id_says_what_a_good_one_looks_like(monkeypatch, env, value, says):
    monkeypatch.setenv(env, value)
    with pytest.raises(ConfigError) as excinfo:
        load_settings()
    assert says in str(excinfo.value) and "invalid literal" not in str(excinfo.value)


def test_several_instances_need_postgresql(monkeypatch):
    monkeypatch.setenv("REDIS_URL", "redis://127.0.0.1:6379/0")
    with pytest.raises(ConfigError, match=r"REDIS_URL .* needs DATABASE_URL on PostgreSQL"):
        load_settings()
    monkeypatch.setenv("DATABASE_URL", "postgresql+asyncpg://bot@db/saylau")
    assert load_settings().redis_url == "redis://127.0.0.1:6379/0"


async def test_a_hosting_services_postgres_url_runs_on_asyncpg(postgres):
    """postgres://... as Heroku-like services give it: the bot migrates and reads through it."""
    given = postgres.new_database().replace("postgresql+asyncpg://", "postgres://")
    settings = load_settings(database_url=given)
    assert settings.database_url.startswith("postgresql+asyncpg://")
    engine = create_engine(settings.database_url)
    await migrate(engine)
    async with engine.connect() as connection:
        assert (await connection.execute(text("SELECT count(*) FROM tickets"))).scalar() == 0
    await engine.dispose()


def _run_bot(env: dict[str, str]) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "bot", "run"],
        capture_output=True,
        text=True,
        timeout=60,
        env={"PATH": "", "SEMANTIC_MATCHING": "false", **env},
    )


def test_no_network_is_one_line(tmp_path):
    run = _run_bot(
        {
            "BOT_TOKEN": "123:abc",
            "TELEGRAM_API_URL": "http://127.0.0.1:9",  # nothing listens there
            "DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path / 'bot.db'}",
        }
    )
    assert run.returncode == 2
    assert run.stderr.strip() == (
        "cannot reach the Bot API at http://127.0.0.1:9: check the network or TELEGRAM_API_URL"
    )


async def test_a_refused_token_is_one_line(tmp_path):
    server = FakeTelegram()
    server.fail("getMe", 401, "Unauthorized", count=-1)
    await server.start()
    try:
        env = {
            "BOT_TOKEN": "123:refused",
            "TELEGRAM_API_URL": server.url,
            "DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path / 'bot.db'}",
        }
        run = await asyncio.to_thread(_run_bot, env)
    finally:
        await server.stop()
    assert run.returncode == 2
    assert (
        run.stderr.strip() == "BOT_TOKEN was refused by Telegram: check it with @BotFather (/token)"
    )
    assert "refused" not in run.stdout


def test_bad_setting_stops_start_with_one_line_and_no_traceback():
    run = subprocess.run(
        [sys.executable, "-m", "bot", "run"],
        capture_output=True,
        text=True,
        timeout=60,
        env={"PATH": "", "OPERATORS_CHAT_ID": "abc"},
    )
    assert run.returncode == 2
    assert run.stderr.strip().startswith("Configuration error: OPERATORS_CHAT_ID")
    assert "Traceback" not in run.stderr


def test_flood_control_warns_once_then_drops_and_recovers():
    flood = FloodControl(limit=3, seconds=2.0)
    verdicts = [flood.check(7, now=t) for t in (0.0, 0.1, 0.2, 0.3, 0.4, 0.5)]
    assert verdicts == [Verdict.ALLOW] * 3 + [Verdict.WARN, Verdict.DROP, Verdict.DROP]
    assert flood.check(8, now=0.5) is Verdict.ALLOW  # another user is not affected
    assert flood.check(7, now=3.0) is Verdict.ALLOW  # after the window the user is back


def test_api_response_models_are_not_rebuilt_for_each_call(monkeypatch):
    """What aiogram does on every API call, with garbage collection in between."""
    response_models()
    built = []
    build = _generics.create_generic_submodel
    monkeypatch.setattr(
        _generics, "create_generic_submodel", lambda *a, **k: built.append(a) or build(*a, **k)
    )
    for _ in range(3):
        assert Response[Message] in response_models()
        gc.collect()
    assert built == []


def test_a_checkout_without_compiled_catalogs_compiles_them_at_start(tmp_path):
    """The .mo files are build output (not in git): a host that only installs the
    dependencies must still start, in every language; a later .po edit is compiled again."""
    locales = tmp_path / "locales"
    shutil.copytree(PROJECT_ROOT / "locales", locales, ignore=shutil.ignore_patterns("*.mo"))
    written = compile_catalogs(locales)
    assert sorted(p.parent.parent.name for p in written) == ["en", "kk", "ru"]
    i18n = I18n(path=locales, default_locale="kk", domain="messages")
    assert i18n.gettext("Sorry, I do not have an answer to that.", locale="ru").startswith(
        "К сожалению"
    )
    assert compile_catalogs(locales) == []  # up to date: nothing written
    po = locales / "ru" / "LC_MESSAGES" / "messages.po"
    later = po.with_suffix(".mo").stat().st_mtime + 10  # edited after the last compile
    os.utime(po, (later, later))
    assert [p.parent.parent.name for p in compile_catalogs(locales)] == ["ru"]


async def test_a_flood_is_judged_before_matching_and_never_matched():
    """IntakeMiddleware takes the flood verdict first: messages over the limit get WARN, then
    DROP, and none of them costs a match."""

    class CountingMatcher:
        calls = 0

        async def match_async(self, text: str) -> MatchResult:
            self.calls += 1
            return MatchResult("answer", "en", f"entry for {text}")

    matcher = CountingMatcher()
    intake = IntakeMiddleware(matcher, FloodControl(limit=2, seconds=60.0))
    factory = UpdateFactory()
    voter = factory.user(42, "Voter", "en")
    seen: list[tuple[object, object]] = []

    async def handler(_event: object, data: dict) -> None:
        seen.append((data.get("flood"), data.get("match")))

    for n in range(4):
        update = Update.model_validate(factory.message(voter, f"question {n}"))
        await intake(handler, update, {})
    assert seen == [
        (Verdict.ALLOW, MatchResult("answer", "en", "entry for question 0")),
        (Verdict.ALLOW, MatchResult("answer", "en", "entry for question 1")),
        (Verdict.WARN, None),
        (Verdict.DROP, None),
    ]
    assert matcher.calls == 2


def test_an_empty_operators_chat_id_means_no_group(monkeypatch):
    """`OPERATORS_CHAT_ID=` (a line left empty in .env) was refused as not a number."""
    monkeypatch.setenv("OPERATORS_CHAT_ID", "  ")
    assert load_settings().operators_chat_id is None
