"""How long a new card waits in its group's queue before operators see it. No Telegram."""

from __future__ import annotations

import math


def minutes_until_seen(queued: int, per_minute: float) -> int | None:
    """About how many minutes until the last of `queued` messages for a group (the new card,
    behind the others) is sent at `per_minute`, the group's budget; None when it is about a
    minute or less, too short to be worth telling."""
    ahead = queued - 1
    if ahead <= per_minute:
        return None
    return math.ceil(ahead / per_minute)
