from __future__ import annotations

import time
from collections.abc import Awaitable, Callable
from typing import Any

from aiogram import BaseMiddleware
from aiogram.types import TelegramObject, Update

from bot.services.metrics import Metrics


class MetricsMiddleware(BaseMiddleware):
    """The outermost: counts every update by its type and times it from its arrival to the
    end of its handling (its commit included)."""

    def __init__(self, metrics: Metrics) -> None:
        self.metrics = metrics

    async def __call__(
        self,
        handler: Callable[[TelegramObject, dict[str, Any]], Awaitable[Any]],
        event: TelegramObject,
        data: dict[str, Any],
    ) -> Any:
        if isinstance(event, Update):
            self.metrics.updates.labels(event.event_type).inc()
        started = time.perf_counter()
        try:
            return await handler(event, data)
        finally:
            self.metrics.update_seconds.observe(time.perf_counter() - started)
