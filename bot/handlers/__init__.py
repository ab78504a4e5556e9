"""All routers, composed in one place. Order matters: commands before free text."""

from aiogram import Router

from . import common, fallback, questions


def build_router() -> Router:
    root = Router(name="root")
    root.include_routers(
        common.create_router(),
        questions.create_router(),
        fallback.create_router(),  # last: takes what nobody else did
    )
    return root
