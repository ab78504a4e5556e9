"""A workshop quiz in a group: started and stopped by a group admin. A private round's buttons
seen in a group (its message forwarded there) are someone else's: pressing one says so."""

from __future__ import annotations

import html
from collections.abc import Collection

from aiogram import Bot, F, Router
from aiogram.enums import ChatMemberStatus
from aiogram.exceptions import TelegramAPIError
from aiogram.filters import Command, CommandObject, Filter
from aiogram.types import CallbackQuery, Message
from aiogram.utils.i18n import I18n
from aiogram.utils.i18n import gettext as _
from sqlalchemy.ext.asyncio import AsyncSession

from bot.filters import Sender, sender_of
from bot.filters.magic import Magic
from bot.outbox import Outbox
from bot.quiz import rounds
from bot.quiz.bank import MAX_GROUP_QUESTIONS, MAX_SECONDS, parse_group_args
from bot.quiz.keyboards import QuizNew, QuizRetry, QuizTopicChoice
from bot.quiz.master import QuizMaster

ADMIN_STATUSES = {ChatMemberStatus.ADMINISTRATOR, ChatMemberStatus.CREATOR}


class IsGroupAdmin(Filter):
    """The sender administers the group (or is an anonymous admin writing as the group)."""

    async def __call__(self, message: Message, bot: Bot) -> bool:
        sender = sender_of(message)
        if sender is Sender.THE_CHAT:
            return True
        if sender is not Sender.PERSON or message.from_user is None:
            return False
        try:
            member = await bot.get_chat_member(message.chat.id, message.from_user.id)
        except TelegramAPIError:
            return False
        return member.status in ADMIN_STATUSES


async def start_group_quiz(
    message: Message,
    command: CommandObject,
    session: AsyncSession,
    outbox: Outbox,
    quizmaster: QuizMaster,
    i18n: I18n,
) -> None:
    lang = i18n.current_locale
    bank = quizmaster.bank
    spec = parse_group_args(command.args, bank.topics, quizmaster.min_seconds)
    if spec is None:
        topics = "\n".join(
            f"<code>{topic.id}</code> — {html.escape(topic.title.get(lang))}"
            for topic in bank.book.topics
        )
        usage = _(
            "Start a quiz for this group: /quiz [topic|all] [questions] [seconds]\n"
            "Questions: 1 to {max_questions}; seconds for each: {min_seconds} to {max_seconds}. "
            "For example: <code>/quiz observers 5 30</code>\n\nTopics:\n{topics}"
        ).format(
            max_questions=MAX_GROUP_QUESTIONS,
            min_seconds=quizmaster.min_seconds,
            max_seconds=MAX_SECONDS,
            topics=topics,
        )
        outbox.send_message(session, message.chat.id, usage)
        return
    if await rounds.active_round(session, message.chat.id) is not None:
        outbox.send_message(
            session,
            message.chat.id,
            _("A quiz is already running here. Stop it with /stopquiz."),
        )
        return
    # An anonymous administrator's round is the group's own.
    trainer = message.chat.id if sender_of(message) is Sender.THE_CHAT else message.from_user.id
    await quizmaster.begin_group(session, message.chat.id, trainer, lang, spec)


async def stop_group_quiz(
    message: Message, session: AsyncSession, outbox: Outbox, quizmaster: QuizMaster
) -> None:
    quiz_round = await rounds.active_round(session, message.chat.id)
    if quiz_round is None:
        outbox.send_message(session, message.chat.id, _("No quiz is running here."))
        return
    await quizmaster.stop_group(session, quiz_round)


async def not_an_admin(message: Message, session: AsyncSession, outbox: Outbox) -> None:
    outbox.send_message(
        session,
        message.chat.id,
        _("Only group admins can start or stop a quiz."),
        reply_parameters={"message_id": message.message_id, "allow_sending_without_reply": True},
    )


async def not_your_round(callback: CallbackQuery, bot: Bot) -> None:
    me = await bot.me()
    await callback.answer(
        _(
            "This quiz is someone else's. To take your own, send /quiz to @{bot} in a private chat."
        ).format(bot=me.username),
        show_alert=True,
    )


def create_router(operators_chats: Collection[int]) -> Router:
    router = Router(name="quiz_group")
    router.message.filter(Magic(F.chat.type.in_({"group", "supergroup"})))
    # The operators' groups are for tickets, not quizzes.
    router.message.filter(Magic(~F.chat.id.in_(operators_chats)))
    router.message.register(start_group_quiz, Command("quiz"), IsGroupAdmin())
    router.message.register(stop_group_quiz, Command("stopquiz"), IsGroupAdmin())
    router.message.register(not_an_admin, Command("quiz", "stopquiz"))
    router.callback_query.filter(Magic(F.message.chat.type.in_({"group", "supergroup"})))
    for private_round in (QuizTopicChoice, QuizRetry, QuizNew):
        router.callback_query.register(not_your_round, private_round.filter())
    return router
