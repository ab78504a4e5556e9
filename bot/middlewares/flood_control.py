"""Per-user flood control: a sliding window, warning once, then quietly dropping. In this
process, or in Redis when several instances share the work (a user's messages reach any)."""

from __future__ import annotations

import time
import uuid
from collections import deque
from enum import Enum

from redis.asyncio import Redis
from redis.exceptions import RedisError

from bot.db.redis import Outage


class Verdict(Enum):
    ALLOW = "allow"
    WARN = "warn"  # first message over the limit: tell the user to slow down
    DROP = "drop"  # further messages in the same burst


class FloodControl:
    def __init__(self, limit: int, seconds: float, max_users: int = 100_000) -> None:
        self.limit = limit
        self.seconds = seconds
        self.max_users = max_users
        self._events: dict[int, deque[float]] = {}
        self._warned: dict[int, float] = {}

    async def judge(self, user_id: int) -> Verdict:
        return self.check(user_id)

    def check(self, user_id: int, now: float | None = None) -> Verdict:
        now = time.monotonic() if now is None else now
        events = self._events.get(user_id)
        if events is None:
            if len(self._events) >= self.max_users:
                self._forget_idle(now)
            events = self._events[user_id] = deque()
        while events and now - events[0] > self.seconds:
            events.popleft()
        if len(events) < self.limit:
            events.append(now)
            self._warned.pop(user_id, None)
            return Verdict.ALLOW
        if user_id in self._warned:
            return Verdict.DROP
        self._warned[user_id] = now
        return Verdict.WARN

    def _forget_idle(self, now: float) -> None:
        idle = [uid for uid, ev in self._events.items() if not ev or now - ev[-1] > self.seconds]
        for uid in idle:
            self._events.pop(uid, None)
            self._warned.pop(uid, None)


# One round trip, atomic: the window's events in a sorted set scored by Redis's own clock (the
# instances' clocks may differ), and a key that says the user was warned in this burst.
_JUDGE = """
local t = redis.call('TIME')
local now = t[1] * 1000 + math.floor(t[2] / 1000)
local window = tonumber(ARGV[1])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now - window)
if redis.call('ZCARD', KEYS[1]) < tonumber(ARGV[2]) then
  redis.call('ZADD', KEYS[1], now, ARGV[3])
  redis.call('PEXPIRE', KEYS[1], window)
  redis.call('DEL', KEYS[2])
  return 0
end
if redis.call('SET', KEYS[2], '1', 'NX', 'PX', window) then return 1 end
return 2
"""
_VERDICTS = (Verdict.ALLOW, Verdict.WARN, Verdict.DROP)


class RedisFloodControl:
    """The same rule across every instance. Redis not answering lets messages through: a
    voter is never silenced because the limiter is down."""

    def __init__(self, redis: Redis, limit: int, seconds: float) -> None:
        self.limit = limit
        self.window_ms = int(seconds * 1000)
        self._judge = redis.register_script(_JUDGE)
        self._outage = Outage("flood control")

    async def judge(self, user_id: int) -> Verdict:
        keys = [f"saylau:flood:{user_id}", f"saylau:flood-warned:{user_id}"]
        try:
            verdict = await self._judge(keys, [self.window_ms, self.limit, uuid.uuid4().hex])
        except RedisError as exc:
            self._outage.failed(exc, "letting every message in")
            return Verdict.ALLOW
        self._outage.answered()
        return _VERDICTS[int(verdict)]
