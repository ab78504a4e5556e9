"""The Redis client that several instances share state through (REDIS_URL)."""

from __future__ import annotations

from redis.asyncio import Redis
from redis.asyncio.retry import Retry
from redis.backoff import NoBackoff

# Short, bounded waits: flood control asks Redis for every voter's message, and with redis-py's
# defaults a Redis that accepts no connection cost about 4 s a call (retries with backoff,
# measured) and one that stops answering blocked it for good (no socket timeout). Each caller
# decides what a failure means (flood control lets the message in).
TIMEOUT = 1.0


def connect_redis(url: str) -> Redis:
    return Redis.from_url(
        url,
        socket_connect_timeout=TIMEOUT,
        socket_timeout=TIMEOUT,
        retry=Retry(NoBackoff(), 1),
        health_check_interval=30,
    )
