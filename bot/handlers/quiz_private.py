"""The trainee quiz in a private chat: /quiz, /myresults and the t.me/<bot>?start=quiz deep
link; and the answers to quiz polls, from anywhere."""

from __future__ import annotations

import html

from aiogram import F, Router
from aiogram.filters import Command, CommandStart
from aiogram.types import CallbackQuery, Message, PollAnswer
from aiogram.utils.i18n import I18n
from aiogram.utils.i18n import gettext as _
from sqlalchemy.ext.asyncio import AsyncSession

from bot.db.models import QuizRound
from bot.filters.magic import Magic
from bot.handlers.keyboards import answer_stale_button
from bot.outbox import Outbox
from bot.quiz import rounds
from bot.quiz.bank import ALL_TOPICS
from bot.quiz.keyboards import (
    QuizNew,
    QuizRetry,
    QuizTopicChoice,
    quiz_new_keyboard,
    quiz_topics_keyboard,
)
from bot.quiz.master import QuizMaster

DEEP_LINK = "quiz"


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
    await quizmaster.ask_private(session, quiz_round, lang, reply_markup=quiz_new_keyboard())


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
    session: AsyncSession,
    outbox: Outbox,
    quizmaster: QuizMaster,
    i18n: I18n,
) -> None:
    topic = None if callback_data.topic == ALL_TOPICS else callback_data.topic
    if topic is not None and topic not in quizmaster.bank.topics:
        await answer_stale_button(callback)
        return
    lang = i18n.current_locale
    question_ids = quizmaster.bank.pick(topic, quizmaster.round_size, quizmaster.rng)
    await callback.answer(
        _("Quiz: {topic}. Questions: {count}.").format(
            topic=quizmaster.topic_title(topic, lang), count=len(question_ids)
        )
    )
    remove_buttons(session, outbox, callback)
    await quizmaster.begin_private(session, callback.from_user.id, lang, question_ids, topic=topic)


async def retry_mistakes(
    callback: CallbackQuery,
    callback_data: QuizRetry,
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
        await answer_stale_button(callback)
        return
    missed = (await rounds.summary(session, finished, quizmaster.bank)).missed
    if not missed:
        await answer_stale_button(callback)
        return
    question_ids = quizmaster.rng.sample(missed, len(missed))
    await callback.answer(_("Your mistakes again. Questions: {count}.").format(count=len(missed)))
    remove_buttons(session, outbox, callback)
    await quizmaster.begin_private(
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
    running = await rounds.active_round(session, message.from_user.id)
    in_progress = (
        _("A quiz is in progress: question {number} of {total}.").format(
            number=running.current + 1, total=running.total
        )
        if running is not None
        else None
    )
    if not past_rounds:
        no_results = _("You have no finished quizzes yet. Send /quiz to start one.")
        text = f"{in_progress}\n\n{no_results}" if in_progress else no_results
        outbox.send_message(session, message.chat.id, text)
        return
    lines = [in_progress, ""] if in_progress else []
    lines.append(_("Your latest quizzes:"))
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


async def on_poll_answer(
    poll_answer: PollAnswer,
    session: AsyncSession,
    quizmaster: QuizMaster,
    i18n: I18n,
) -> None:
    await quizmaster.on_answer(session, poll_answer, i18n.current_locale)


def create_router() -> Router:
    router = Router(name="quiz_private")
    router.poll_answer.register(on_poll_answer)
    router.message.filter(Magic(F.chat.type == "private"))
    router.callback_query.filter(Magic(F.message.chat.type == "private"))
    router.message.register(open_quiz, Command("quiz"))
    router.message.register(open_quiz, CommandStart(deep_link=True, magic=F.args == DEEP_LINK))
    router.message.register(my_results, Command("myresults"))
    router.callback_query.register(topic_chosen, QuizTopicChoice.filter())
    router.callback_query.register(retry_mistakes, QuizRetry.filter())
    router.callback_query.register(new_quiz, QuizNew.filter())
    return router
