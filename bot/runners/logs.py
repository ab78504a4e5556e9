"""Logging that never prints secrets or personal data: the bot token is redacted from every
record, and IINs, phone numbers and e-mail addresses are masked."""

from __future__ import annotations

import logging

from bot.services.privacy import mask_personal


class RedactSecrets(logging.Filter):
    def __init__(self, secrets: list[str]) -> None:
        super().__init__()
        self.secrets = [s for s in secrets if s]

    def filter(self, record: logging.LogRecord) -> bool:
        original = record.getMessage()
        message = original
        for secret in self.secrets:
            message = message.replace(secret, "***")
        message = mask_personal(message)
        if message != original:
            record.msg, record.args = message, None
        return True


def setup_logging(level: str, secrets: list[str]) -> None:
    handler = logging.StreamHandler()
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    handler.addFilter(RedactSecrets(secrets))
    logging.basicConfig(level=level, handlers=[handler], force=True)
    logging.getLogger("alembic").setLevel(logging.WARNING)  # its INFO is start-up noise
