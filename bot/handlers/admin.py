"""Admins (ADMIN_IDS) in a private chat: the FAQ improvement file."""

from __future__ import annotations

from datetime import UTC, datetime

from aiogram import F, Router
from aiogram.filters import Command
from aiogram.types import BufferedInputFile, Message
from aiogram.utils.i18n import gettext as _
from sqlalchemy.ext.asyncio import AsyncSession

from bot.filters.magic import Magic
from bot.services.suggestions import export_yaml


async def export(message: Message, session: AsyncSession) -> None:
    """Sent directly, not through the outbox: a document is not a JSON row, and an admin who
    asked is there to ask again."""
    content = await export_yaml(session)
    name = f"faq-suggestions-{datetime.now(UTC):%Y%m%d-%H%M}.yaml"
    await message.answer_document(
        BufferedInputFile(content.encode(), filename=name),
        caption=_(
            "Questions to review for the FAQ: operators' answers, unanswered questions "
            "and answers marked 👎."
        ),
    )


def create_router(admin_ids: frozenset[int]) -> Router:
    router = Router(name="admin")
    router.message.filter(Magic(F.chat.type == "private"), Magic(F.from_user.id.in_(admin_ids)))
    router.message.register(export, Command("export"))
    return router
