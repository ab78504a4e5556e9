"""The one way the bot sends: the durable queue (the writer), outgoing pacing to Telegram's
limits, and the worker that delivers each row and reports back to the feature named in its
typed purpose."""

from .hooks import DeliveryHooks, HooksRegistry
from .pacing import Limits, Pacer
from .purpose import Purpose
from .queue import Outbox
from .worker import DeliveryWorker, OperatorsChats, shuts_the_bot_out

__all__ = [
    "DeliveryHooks",
    "DeliveryWorker",
    "HooksRegistry",
    "Limits",
    "OperatorsChats",
    "Outbox",
    "Pacer",
    "Purpose",
    "shuts_the_bot_out",
]
