"""aiogram's magic filters (F...), checked on the event loop."""

from __future__ import annotations

from aiogram.filters import Filter
from aiogram.types import TelegramObject
from magic_filter import MagicFilter


class Magic(Filter):
    """`Magic(F.chat.type == "private")` filters as `F.chat.type == "private"` does.

    aiogram runs any callback that is not a coroutine, a bare magic filter included, in a
    worker thread (asyncio.to_thread): a thread hop and a wake-up for a check of microseconds,
    several per update (one per router a message passes). Taking them out raised a burst's
    questions from 113-130 to a median of 137 a second, and presses from about 180 to 252
    (benchmarks/throughput_bench.py)."""

    def __init__(self, magic: MagicFilter) -> None:
        self.magic = magic

    async def __call__(self, event: TelegramObject) -> bool:
        return bool(self.magic.resolve(event))
