"""Telegram's flood control as the fake Bot API server applies it, on a compressed clock: about
one message a second per private chat (a burst of 3), 20 a minute per group, 30 a second
overall, each with a 5% timing tolerance for network jitter."""

from __future__ import annotations

import math
import time
from collections import deque
from typing import Any

SENDING = {
    "sendMessage",
    "copyMessage",
    "sendDocument",
    "sendPoll",
    "editMessageText",
    "editMessageReplyMarkup",
    "createForumTopic",
    "editForumTopic",
}
PER_CHAT_BURST, GROUP_PER_MINUTE, GLOBAL_PER_SECOND = 3, 20, 30
TOLERANCE = 0.95


class TelegramLimits:
    """Flood control as the fake server applies it: the seconds to wait, or None to accept."""

    def __init__(self, scale: float) -> None:
        self.chat_interval = 1.0 / scale
        self.group_window = 60.0 / scale
        self.global_per_second = GLOBAL_PER_SECOND * scale
        self._chat: dict[int, tuple[float, float]] = {}  # chat -> (tokens, at)
        self._group: dict[int, deque[float]] = {}
        self._global: deque[float] = deque()

    def __call__(self, method: str, params: dict[str, Any]) -> int | None:
        if method not in SENDING:
            return None
        now, chat = time.monotonic(), int(params["chat_id"])
        waits = [0.0]
        window = TOLERANCE  # one second, less the tolerance
        while self._global and self._global[0] <= now - window:
            self._global.popleft()
        if len(self._global) >= self.global_per_second:
            waits.append(self._global[0] + window - now)
        if chat < 0:
            sent = self._group.setdefault(chat, deque())
            while sent and sent[0] <= now - self.group_window * TOLERANCE:
                sent.popleft()
            if len(sent) >= GROUP_PER_MINUTE:
                waits.append(sent[0] + self.group_window * TOLERANCE - now)
        else:
            tokens, at = self._chat.get(chat, (PER_CHAT_BURST, now))
            tokens = min(PER_CHAT_BURST, tokens + (now - at) / (self.chat_interval * TOLERANCE))
            if tokens < 1.0:
                waits.append((1.0 - tokens) * self.chat_interval)
            else:
                self._chat[chat] = (tokens - 1.0, now)
        if max(waits) > 0:
            return max(1, math.ceil(max(waits)))  # Telegram's retry_after is whole seconds
        self._global.append(now)
        if chat < 0:
            self._group[chat].append(now)
        return None
