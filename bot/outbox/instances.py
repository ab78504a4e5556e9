"""Which bot instances are alive, so that an outbox row being sent is given back only when its
sender is gone.

A row being sent carries its sender's id (`outbox.claimed_by`). Alone (no REDIS_URL) the bot is
the only instance: any other claimant is a process that ran before it and died, and its rows go
again at start-up. With REDIS_URL several instances share one PostgreSQL database: each keeps a
key `saylau:instance:<id>` alive in Redis, and a claimant whose key expired (the process was
killed, its machine lost) died; any instance gives its rows back, live instances' never."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import uuid
from collections.abc import Collection

from redis.asyncio import Redis
from redis.exceptions import RedisError

log = logging.getLogger(__name__)

KEY = "saylau:instance:"


class SoleInstance:
    """The one instance there is: every other claimant is dead."""

    def __init__(self) -> None:
        self.id = uuid.uuid4().hex

    async def start(self) -> None:
        pass

    async def stop(self) -> None:
        pass

    async def dead(self, claimants: Collection[str | None]) -> set[str | None]:
        return {claimant for claimant in claimants if claimant != self.id}


class RedisInstances(SoleInstance):
    """Instances that say they are alive in Redis, every `ttl / 3` seconds."""

    def __init__(self, redis: Redis, ttl: float = 15.0) -> None:
        super().__init__()
        self.redis = redis
        self.ttl = ttl
        self._beating: asyncio.Task | None = None

    async def start(self) -> None:
        await self._beat()  # alive before its first claim
        self._beating = asyncio.create_task(self._beat_forever(), name="instance-liveness")

    async def stop(self) -> None:
        if self._beating:
            self._beating.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._beating
        with contextlib.suppress(RedisError):
            await self.redis.delete(KEY + self.id)

    async def dead(self, claimants: Collection[str | None]) -> set[str | None]:
        """The claimants with no live key. Redis not answering: none is taken for dead (rows
        wait, rather than go twice while their sender may still be sending them)."""
        named = [claimant for claimant in claimants if claimant is not None]
        try:
            alive = await self.redis.mget([KEY + claimant for claimant in named]) if named else []
        except RedisError as exc:
            log.warning("Redis did not answer who is alive (%s); releasing nothing", exc)
            return set()
        gone: set[str | None] = {c for c, seen in zip(named, alive, strict=True) if seen is None}
        if None in claimants:
            gone.add(None)  # claimed before claims were signed: by a process long gone
        return gone

    async def _beat(self) -> None:
        await self.redis.set(KEY + self.id, b"1", px=int(self.ttl * 1000))

    async def _beat_forever(self) -> None:
        while True:
            await asyncio.sleep(self.ttl / 3)
            try:
                await self._beat()
            except RedisError as exc:  # the key may lapse; claims wait until Redis is back
                log.warning("could not tell Redis this instance is alive (%s)", exc)
