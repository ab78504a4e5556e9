"""One update of a user at a time, across every instance (REDIS_URL): without it, two of a
voter's messages reaching two instances at once could, say, open two tickets."""

from __future__ import annotations

import contextlib
import logging
from collections.abc import AsyncGenerator

from aiogram.fsm.storage.base import StorageKey
from aiogram.fsm.storage.redis import RedisEventIsolation
from redis.exceptions import RedisError

log = logging.getLogger(__name__)


class SharedEventIsolation(RedisEventIsolation):
    """aiogram's Redis lock per user and chat, except that a Redis that does not answer lets
    the update be handled unlocked: a voter is answered rather than refused."""

    @contextlib.asynccontextmanager
    async def lock(self, key: StorageKey) -> AsyncGenerator[None, None]:
        lock = self.redis.lock(name=self.key_builder.build(key, "lock"), **self.lock_kwargs)
        try:
            locked = await lock.acquire()
        except RedisError as exc:
            log.warning("event isolation: Redis did not answer (%s); handling unlocked", exc)
            locked = False
        try:
            yield
        finally:
            if locked:
                with contextlib.suppress(RedisError):
                    await lock.release()
