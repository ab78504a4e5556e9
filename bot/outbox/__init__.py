"""The one way the bot sends: the durable queue (the writer), outgoing pacing to Telegram's
limits, and the worker that delivers each row and reports back."""

from .pacing import Limits, Pacer
from .queue import Outbox
from .worker import DeliveryWorker, OperatorsChat

__all__ = ["DeliveryWorker", "Limits", "OperatorsChat", "Outbox", "Pacer"]
