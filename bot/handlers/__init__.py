"""All routers, composed in one place. Order matters: the operators' group first, the quiz
before /start (its deep link is a /start), commands before free text, the voter's active ticket
before the FAQ, the fallback last. Only messages someone wrote reach any of them."""

from aiogram import Router

from bot.config import Settings
from bot.filters import WrittenMessage

from . import admin, common, desk_group, desk_voter, fallback, questions, quiz_group, quiz_private


def build_router(settings: Settings) -> Router:
    root = Router(name="root")
    root.message.filter(WrittenMessage())
    operators_chats = frozenset(settings.operators_groups())
    if operators_chats:
        root.include_router(desk_group.create_router(operators_chats))
    root.include_routers(
        quiz_private.create_router(),
        quiz_group.create_router(operators_chats),
        common.create_router(),
        admin.create_router(settings.admin_ids),
        desk_voter.create_router(),
        questions.create_router(),
        fallback.create_router(),
    )
    return root
