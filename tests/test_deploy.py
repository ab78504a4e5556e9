"""The deployment files in deploy/ and .env.example set only settings the bot knows, with
values it accepts. Docker is not on the test machine: this is what can be checked without it."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

from bot.config import PROJECT_ROOT, Settings, load_settings

DEPLOY = PROJECT_ROOT / "deploy"
KNOWN = {name.upper() for name in Settings.model_fields}
# Stand-ins for the <placeholders> and ${VARIABLES} an operator fills in.
FILLED = {
    "BOT_TOKEN": "123456:filled-in",
    "OPERATORS_CHAT_ID": "-1001234567890",
    "ADMIN_IDS": "12345678",
    "BOT_DOMAIN": "bot.example.org",
    "WEBHOOK_SECRET": "filled_in-secret",
    "POSTGRES_PASSWORD": "filled-in",
}


def assignments(path: Path, commented: bool = False) -> dict[str, str]:
    """NAME=value lines of an env file (with `commented`, also the `# NAME=value` ones)."""
    pattern = re.compile(r"^(?:# ?)?([A-Z][A-Z0-9_]*)=(.*)$" if commented else r"^([A-Z_]+)=(.*)$")
    lines = path.read_text(encoding="utf-8").splitlines()
    return {m[1]: m[2] for line in lines if (m := pattern.match(line))}


def fill(value: str) -> str:
    """The value once the operator filled it in: ${NAME...} and <...> replaced."""
    value = re.sub(r"\$\{([A-Z_]+)[^}]*\}", lambda m: FILLED[m[1]], value)
    return re.sub(r"<[^>]*>", lambda m: _placeholder(m[0]), value)


def _placeholder(text: str) -> str:
    if "token" in text:
        return FILLED["BOT_TOKEN"]
    if "-100" in text:
        return FILLED["OPERATORS_CHAT_ID"]
    if "user id" in text:
        return FILLED["ADMIN_IDS"]
    return "filled-in"


def compose_bot_environment() -> dict[str, str]:
    compose = yaml.safe_load((DEPLOY / "compose.yaml").read_text(encoding="utf-8"))
    return {name: str(value) for name, value in compose["services"]["bot"]["environment"].items()}


@pytest.mark.parametrize(
    "where",
    [".env.example", "deploy/single-server.env", "deploy/compose.yaml"],
)
def test_every_variable_set_is_a_setting_the_bot_knows(where):
    if where.endswith(".yaml"):
        names = set(compose_bot_environment())
    else:
        names = set(assignments(PROJECT_ROOT / where, commented=where == ".env.example"))
    assert names and not names - KNOWN, f"{where} sets unknown {sorted(names - KNOWN)}"


def test_env_example_documents_every_setting():
    assert set(assignments(PROJECT_ROOT / ".env.example", commented=True)) >= KNOWN


@pytest.mark.parametrize("where", ["deploy/single-server.env", "deploy/compose.yaml"])
def test_the_deploy_settings_once_filled_in_are_accepted(monkeypatch, where):
    if where.endswith(".yaml"):
        given = compose_bot_environment()
    else:
        given = assignments(PROJECT_ROOT / where)
    for name, value in given.items():
        monkeypatch.setenv(name, fill(value))
    settings = load_settings()
    assert settings.database_url.startswith("postgresql+asyncpg://")
    assert settings.listen_port == 8080
    if where.endswith(".yaml"):
        assert settings.webhook_url == "https://bot.example.org/telegram/hook"


def test_compose_takes_each_value_from_its_example_env_file():
    """Every ${VARIABLE} that compose.yaml reads is in compose.env.example, to be filled in."""
    used = set(re.findall(r"\$\{([A-Z_]+)", (DEPLOY / "compose.yaml").read_text("utf-8")))
    assert used == set(assignments(DEPLOY / "compose.env.example"))


def test_the_proxy_publishes_the_webhooks_path_only():
    path = compose_bot_environment()["WEBHOOK_URL"].split("}", 1)[1]
    lines = (DEPLOY / "Caddyfile").read_text(encoding="utf-8").splitlines()
    caddy = "\n".join(line for line in lines if not line.startswith("#"))
    assert f"handle {path} {{" in caddy and "respond 404" in caddy
    assert "/metrics" not in caddy and "/healthz" not in caddy
