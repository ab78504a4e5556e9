"""Telegram's sending limits, so that a burst is paced instead of answered with 429s.

About one message per second per private chat (short bursts tolerated), 20 per minute to one
group, 30 per second overall. Pure bookkeeping over a clock; the delivery worker asks it.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass


@dataclass(frozen=True)
class Limits:
    chat_interval: float = 1.0  # seconds between messages to one private chat...
    chat_burst: int = 3  # ...after a short burst of this many
    group_per_minute: int = 20
    global_per_second: int = 30
    window: float = 60.0  # the group limit's window, seconds


class Pacer:
    def __init__(self, limits: Limits) -> None:
        self.limits = limits
        self._chat_tokens: dict[int, tuple[float, float]] = {}  # chat -> (tokens, at)
        self._group_sent: dict[int, deque[float]] = {}
        self._global_sent: deque[float] = deque()
        self._paused_until: dict[int, float] = {}

    def delay(self, chat_id: int, now: float) -> float:
        """Seconds to wait before a message to this chat may go (0: now)."""
        limits = self.limits
        waits = [self._paused_until.get(chat_id, 0.0) - now]
        self._trim(self._global_sent, now - 1.0)
        if len(self._global_sent) >= limits.global_per_second:
            waits.append(self._global_sent[0] + 1.0 - now)
        if chat_id < 0:
            sent = self._group_sent.setdefault(chat_id, deque())
            self._trim(sent, now - limits.window)
            if len(sent) >= limits.group_per_minute:
                waits.append(sent[0] + limits.window - now)
        else:
            tokens = self._tokens(chat_id, now)
            if tokens < 1.0:
                waits.append((1.0 - tokens) * limits.chat_interval)
        return max(0.0, *waits)

    def record(self, chat_id: int, now: float) -> None:
        self._global_sent.append(now)
        if chat_id < 0:
            self._group_sent.setdefault(chat_id, deque()).append(now)
        else:
            self._chat_tokens[chat_id] = (self._tokens(chat_id, now) - 1.0, now)
        if len(self._chat_tokens) > 50_000:
            self._forget_idle(now)

    def pause(self, chat_id: int, seconds: float, now: float) -> None:
        """Telegram said 429 retry_after: nothing more to this chat until then."""
        self._paused_until[chat_id] = max(self._paused_until.get(chat_id, 0.0), now + seconds)

    def _tokens(self, chat_id: int, now: float) -> float:
        tokens, at = self._chat_tokens.get(chat_id, (float(self.limits.chat_burst), now))
        refill = (now - at) / self.limits.chat_interval if self.limits.chat_interval else 1e9
        return min(float(self.limits.chat_burst), tokens + refill)

    @staticmethod
    def _trim(sent: deque[float], before: float) -> None:
        while sent and sent[0] <= before:
            sent.popleft()

    def _forget_idle(self, now: float) -> None:
        full = float(self.limits.chat_burst)
        self._chat_tokens = {
            chat: state
            for chat, state in self._chat_tokens.items()
            if self._tokens(chat, now) < full
        }
        self._paused_until = {c: t for c, t in self._paused_until.items() if t > now}
