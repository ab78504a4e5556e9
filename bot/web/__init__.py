"""The bot's HTTP listener: Telegram's webhook (in webhook mode), /healthz and /metrics."""

from .server import WebListener

__all__ = ["WebListener"]
