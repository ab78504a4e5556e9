"""The Redis client that several instances share state through (REDIS_URL)."""

from __future__ import annotations

import logging

from redis.asyncio import Redis
from redis.asyncio.retry import Retry
from redis.backoff import NoBackoff

# Short, bounded waits: flood control asks Redis for every voter's message, and with redis-py's
# defaults a Redis that accepts no connection cost about 4 s a call (retries with backoff,
# measured) and one that stops answering blocked it for good (no socket timeout). Each caller
# decides what a failure means (flood control lets the message in).
TIMEOUT = 1.0

log = logging.getLogger(__name__)


def connect_redis(url: str) -> Redis:
    return Redis.from_url(
        url,
        socket_connect_timeout=TIMEOUT,
        socket_timeout=TIMEOUT,
        retry=Retry(NoBackoff(), 1),
        health_check_interval=30,
    )


class Outage:
    """Says once that Redis stopped answering and once that it is back: flood control and
    event isolation ask it for every update, and a line each would flood the log."""

    def __init__(self, what: str) -> None:
        self.what = what
        self.down = False

    def failed(self, error: Exception, meanwhile: str) -> None:
        if not self.down:
            self.down = True
            log.warning(
                "%s: Redis did not answer (%s); %s until it does", self.what, error, meanwhile
            )

    def answered(self) -> None:
        if self.down:
            self.down = False
            log.warning("%s: Redis answers again", self.what)
