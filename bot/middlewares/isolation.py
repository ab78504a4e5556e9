"""One update of a user at a time, across every instance (REDIS_URL): without it, two of a
voter's messages reaching two instances at once could, say, open two tickets."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncGenerator

from aiogram.fsm.storage.base import StorageKey
from aiogram.fsm.storage.redis import RedisEventIsolation
from redis.asyncio import Redis
from redis.exceptions import RedisError

from bot.db.redis import Outage


class SharedEventIsolation(RedisEventIsolation):
    """aiogram's Redis lock per user and chat, except that a Redis that does not answer lets
    the update be handled unlocked: a voter is answered rather than refused."""

    def __init__(self, redis: Redis) -> None:
        super().__init__(redis)
        self._outage = Outage("event isolation")

    @contextlib.asynccontextmanager
    async def lock(self, key: StorageKey) -> AsyncGenerator[None, None]:
        lock = self.redis.lock(name=self.key_builder.build(key, "lock"), **self.lock_kwargs)
        try:
            locked = await lock.acquire()
            self._outage.answered()
        except RedisError as exc:
            self._outage.failed(exc, "handling updates unlocked")
            locked = False
        try:
            yield
        finally:
            if locked:
                with contextlib.suppress(RedisError):
                    await lock.release()
