"""The trainee quiz: /quiz, /myresults and the t.me/<bot>?start=quiz deep link in a private
chat; a workshop round started and stopped by a group admin; the answers to quiz polls."""

from __future__ import annotations

import html

from aiogram import Bot, F, Router
from aiogram.enums import ChatMemberStatus
from aiogram.exceptions import TelegramAPIError
from aiogram.filters import Command, CommandObject, CommandStart, Filter
from aiogram.types import CallbackQuery, Message, PollAnswer
from aiogram.utils.i18n import I18n
from aiogram.utils.i18n import gettext as _
from sqlalchemy.ext.asyncio import AsyncSession

from bot.db.models import QuizRound
from bot.outbox import Outbox
from bot.quiz import rounds
from bot.quiz.bank import ALL_TOPICS, MAX_GROUP_QUESTIONS, MAX_SECONDS, parse_group_args
from bot.quiz.keyboards import (
    QuizNew,
    QuizRetry,
    QuizTopicChoice,
    quiz_new_keyboard,
    quiz_topics_keyboard,
)
from bot.quiz.master import QuizMaster

DEEP_LINK = "quiz"
ADMIN_STATUSES = {ChatMemberStatus.ADMINISTRATOR, ChatMemberStatus.CREATOR}


# --- a private chat -------------------------------------------------------------------------
def show_topics(
    session: AsyncSession, outbox: Outbox, chat_id: int, quizmaster: QuizMaster, lang: str
) -> None:
    topics = [(topic.id, topic.title.get(lang)) for topic in quizmaster.bank.book.topics]
    outbox.send_message(
        session,
        chat_id,
        _(
            "Election quiz: choose a topic. A round has up to {count} questions; the next one "
            "comes as soon as you answer."
        ).format(count=quizmaster.round_size),
        reply_markup=quiz_topics_keyboard(topics, ALL_TOPICS),
    )


async def open_quiz(
    message: Message,
    bot: Bot,
    session: AsyncSession,
    outbox: Outbox,
    quizmaster: QuizMaster,
    i18n: I18n,
) -> None:
    """/quiz: resume the round in progress (its current question again), else the topics."""
    lang = i18n.current_locale
    quiz_round = await rounds.active_round(session, message.chat.id)
    if quiz_round is None:
        show_topics(session, outbox, message.chat.id, quizmaster, lang)
        return
    await quizmaster.ask_private(bot, session, quiz_round, lang, reply_markup=quiz_new_keyboard())


def remove_buttons(session: AsyncSession, outbox: Outbox, callback: CallbackQuery) -> None:
    if callback.message is not None:
        outbox.call(
            session,
            "editMessageReplyMarkup",
            callback.message.chat.id,
            message_id=callback.message.message_id,
        )


async def topic_chosen(
    callback: CallbackQuery,
    callback_data: QuizTopicChoice,
    bot: Bot,
    session: AsyncSession,
    outbox: Outbox,
    quizmaster: QuizMaster,
    i18n: I18n,
) -> None:
    topic = None if callback_data.topic == ALL_TOPICS else callback_data.topic
    if topic is not None and topic not in quizmaster.bank.topics:
        await callback.answer(_("This button is no longer valid."))
        return
    lang = i18n.current_locale
    question_ids = quizmaster.bank.pick(topic, quizmaster.round_size, quizmaster.rng)
    await callback.answer(
        _("Quiz: {topic}. Questions: {count}.").format(
            topic=quizmaster.topic_title(topic, lang), count=len(question_ids)
        )
    )
    remove_buttons(session, outbox, callback)
    await quizmaster.begin_private(
        bot, session, callback.from_user.id, lang, question_ids, topic=topic
    )


async def retry_mistakes(
    callback: CallbackQuery,
    callback_data: QuizRetry,
    bot: Bot,
    session: AsyncSession,
    outbox: Outbox,
    quizmaster: QuizMaster,
    i18n: I18n,
) -> None:
    finished = await session.get(QuizRound, callback_data.round_id)
    if (
        finished is None
        or finished.kind != "private"
        or finished.user_id != callback.from_user.id
        or finished.status != "finished"
    ):
        await callback.answer(_("This button is no longer valid."))
        return
    missed = (await rounds.summary(session, finished, quizmaster.bank)).missed
    if not missed:
        await callback.answer(_("This button is no longer valid."))
        return
    question_ids = quizmaster.rng.sample(missed, len(missed))
    await callback.answer(_("Your mistakes again. Questions: {count}.").format(count=len(missed)))
    remove_buttons(session, outbox, callback)
    await quizmaster.begin_private(
        bot,
        session,
        callback.from_user.id,
        i18n.current_locale,
        question_ids,
        topic=finished.topic,
        retry_of=finished.id,
    )


async def new_quiz(
    callback: CallbackQuery,
    session: AsyncSession,
    outbox: Outbox,
    quizmaster: QuizMaster,
    i18n: I18n,
) -> None:
    quiz_round = await rounds.active_round(session, callback.from_user.id)
    if quiz_round is not None:
        await rounds.close_round(session, quiz_round.id, "abandoned")
    remove_buttons(session, outbox, callback)
    show_topics(session, outbox, callback.from_user.id, quizmaster, i18n.current_locale)
    await callback.answer()


async def my_results(
    message: Message,
    session: AsyncSession,
    outbox: Outbox,
    quizmaster: QuizMaster,
    i18n: I18n,
) -> None:
    lang = i18n.current_locale
    past_rounds = await rounds.past_rounds(session, message.from_user.id)
    if not past_rounds:
        outbox.send_message(
            session,
            message.chat.id,
            _("You have no finished quizzes yet. Send /quiz to start one."),
        )
        return
    lines = [_("Your latest quizzes:")]
    for past in past_rounds:
        day = past.round.finished_at or past.round.created_at
        title = html.escape(quizmaster.topic_title(past.round.topic, lang))
        retry = "🔁 " if past.round.retry_of else ""
        lines.append(f"{day:%d.%m.%Y} · {retry}{title} · {past.correct}/{past.round.total}")
    lines.append("")
    revise = await rounds.revise(session, message.from_user.id, quizmaster.bank)
    if revise:
        lines.append(_("Topics to revise (questions you last got wrong):"))
        for topic, count in revise:
            lines.append(f"• {html.escape(quizmaster.bank.topic_title(topic, lang))}: {count}")
    else:
        lines.append(_("Nothing to revise: your latest answer to every question was right."))
    outbox.send_message(session, message.chat.id, "\n".join(lines))


# --- a workshop group -----------------------------------------------------------------------
class IsGroupAdmin(Filter):
    """The sender administers the group (or is an anonymous admin writing as the group)."""

    async def __call__(self, message: Message, bot: Bot) -> bool:
        if message.sender_chat is not None and message.sender_chat.id == message.chat.id:
            return True
        if message.from_user is None:
            return False
        try:
            member = await bot.get_chat_member(message.chat.id, message.from_user.id)
        except TelegramAPIError:
            return False
        return member.status in ADMIN_STATUSES


async def start_group_quiz(
    message: Message,
    command: CommandObject,
    bot: Bot,
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
    await quizmaster.begin_group(bot, session, message.chat.id, message.from_user.id, lang, spec)


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


# --- answers to quiz polls, from anywhere ---------------------------------------------------
async def on_poll_answer(
    poll_answer: PollAnswer,
    bot: Bot,
    session: AsyncSession,
    quizmaster: QuizMaster,
    i18n: I18n,
) -> None:
    await quizmaster.on_answer(bot, session, poll_answer, i18n.current_locale)


def create_router(operators_chat_id: int | None) -> Router:
    root = Router(name="quiz")
    root.poll_answer.register(on_poll_answer)

    private = Router(name="quiz_private")
    private.message.filter(F.chat.type == "private")
    private.callback_query.filter(F.message.chat.type == "private")
    private.message.register(open_quiz, Command("quiz"))
    private.message.register(open_quiz, CommandStart(deep_link=True, magic=F.args == DEEP_LINK))
    private.message.register(my_results, Command("myresults"))
    private.callback_query.register(topic_chosen, QuizTopicChoice.filter())
    private.callback_query.register(retry_mistakes, QuizRetry.filter())
    private.callback_query.register(new_quiz, QuizNew.filter())

    group = Router(name="quiz_group")
    group.message.filter(F.chat.type.in_({"group", "supergroup"}))
    if operators_chat_id is not None:  # the operators' group is for tickets, not quizzes
        group.message.filter(F.chat.id != operators_chat_id)
    group.message.register(start_group_quiz, Command("quiz"), IsGroupAdmin())
    group.message.register(stop_group_quiz, Command("stopquiz"), IsGroupAdmin())
    group.message.register(not_an_admin, Command("quiz", "stopquiz"))

    root.include_routers(private, group)
    return root
