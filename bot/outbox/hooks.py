"""What the features do when the delivery worker reports back on one of their rows: each
feature registers its hooks under the feature name its purposes carry."""

from __future__ import annotations

from typing import Any

from aiogram.exceptions import TelegramBadRequest
from sqlalchemy.ext.asyncio import AsyncSession

from bot.db.models import OutboxMessage
from bot.outbox.purpose import Purpose


class DeliveryHooks:
    """A feature's hooks; each does nothing unless the feature overrides it."""

    async def on_sent(
        self, session: AsyncSession, row: OutboxMessage, purpose: Purpose, result: Any
    ) -> None:
        """Telegram took the row; result is what the method returned."""

    async def on_blocked(self, session: AsyncSession, row: OutboxMessage, purpose: Purpose) -> None:
        """The user has blocked the bot; the row is given up."""

    async def on_bad_request(
        self,
        session: AsyncSession,
        row: OutboxMessage,
        purpose: Purpose,
        error: TelegramBadRequest,
    ) -> bool:
        """Telegram refused the row for good; True if the hook repaired the situation (e.g.
        made a deleted topic again), False to have it logged as an error."""
        return False


class HooksRegistry:
    """Tells the worker's reports to the feature named in each row's purpose."""

    def __init__(self) -> None:
        self._features: dict[str, DeliveryHooks] = {}

    def register(self, feature: str, hooks: DeliveryHooks) -> None:
        if feature in self._features:
            raise ValueError(f"delivery hooks for {feature!r} are registered already")
        self._features[feature] = hooks

    def _of(self, row: OutboxMessage) -> tuple[DeliveryHooks, Purpose] | None:
        purpose = Purpose.parse(row.purpose)
        hooks = self._features.get(purpose.feature) if purpose else None
        return (hooks, purpose) if hooks and purpose else None

    async def on_sent(self, session: AsyncSession, row: OutboxMessage, result: Any) -> None:
        if found := self._of(row):
            await found[0].on_sent(session, row, found[1], result)

    async def on_blocked(self, session: AsyncSession, row: OutboxMessage) -> None:
        if found := self._of(row):
            await found[0].on_blocked(session, row, found[1])

    async def on_bad_request(
        self, session: AsyncSession, row: OutboxMessage, error: TelegramBadRequest
    ) -> bool:
        found = self._of(row)
        return bool(found) and await found[0].on_bad_request(session, row, found[1], error)
