"""An in-memory Telegram Bot API, for the offline console and for tests. No network."""

from .api import OfflineBotApi
from .updates import UpdateFactory

__all__ = ["OfflineBotApi", "UpdateFactory"]
