"""Per-user flood control: a sliding window, warning once, then quietly dropping."""

from __future__ import annotations

import time
from collections import deque
from enum import Enum


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
