"""Personal data: IINs, phone numbers and e-mail addresses masked in what leaves the desk for
other purposes (the export, /stats, the logs), and voters' words deleted after the retention
period, by the bot and by `python -m bot forget`."""

from __future__ import annotations

import io
import logging
import os
import subprocess
import sys
from datetime import timedelta

import pytest
import yaml
from sqlalchemy import select

from bot.db.engine import create_engine, migrate, session_factory
from bot.db.models import Feedback, OutboxMessage, Question, Ticket, TicketLink, User, utcnow
from bot.runners.logs import RedactSecrets
from bot.services.privacy import mask_personal
from bot.services.retention import forget_older_than
from bot.services.suggestions import export_yaml
from tests.conftest import TOKEN
from tests.desk_helpers import GROUP, ask_operator, card_of, operator_says

PERSONAL = (
    "Меня зовут Дана, ИИН 900101300123, тел. +7 701 123-45-67, почта dana@mail.kz: "
    "какая погода будет завтра в Астане?"
)


@pytest.mark.parametrize(
    ("text", "masked"),
    [
        ("ИИН 900101300123", "ИИН [IIN]"),
        ("жеке сәйкестендіру нөмірім 900101 300123.", "жеке сәйкестендіру нөмірім [IIN]."),
        ("call 87011234567 or +7 (701) 123 45 67", "call [phone] or [phone]"),
        ("8 (7172) 55-66-77", "[phone]"),
        ("7011234567", "[phone]"),
        ("+44 20 7946 0958", "[phone]"),
        ("write to a.b-c@gov.kz please", "write to [e-mail] please"),
    ],
)
def test_personal_data_is_masked(text, masked):
    assert mask_personal(text) == masked


@pytest.mark.parametrize(
    "text",
    [
        "Сайлау 19.03.2023 сағат 07:00-ден 20:00-ге дейін",
        "Мажилис: 98 депутатов, 69 по округам",
        "участок № 123, 1000000 избирателей, 2023 год",
        "#T12 answered",
    ],
)
def test_what_is_not_personal_is_left_alone(text):
    assert mask_personal(text) == text


def test_logs_mask_personal_data_and_the_token():
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.addFilter(RedactSecrets([TOKEN]))
    logger = logging.getLogger("test.privacy")
    logger.addHandler(handler)
    logger.propagate = False
    try:
        logger.warning("failed for %s with token %s", PERSONAL, TOKEN)
    finally:
        logger.removeHandler(handler)
    line = stream.getvalue()
    assert "900101300123" not in line and "123-45-67" not in line and "dana@mail.kz" not in line
    assert TOKEN not in line
    assert "[IIN]" in line and "[phone]" in line and "[e-mail]" in line and "Дана" in line


async def test_operators_see_the_question_the_export_and_stats_do_not(harness):
    voter = harness.user(521, language_code="ru")
    operator = harness.user(7001, first_name="Aliya", language_code="ru")
    await ask_operator(harness, voter, PERSONAL)
    await card_of(harness, 1)
    card_text = next(
        p["text"]
        for m, p in harness.server.calls
        if m == "sendMessage" and p["chat_id"] == GROUP["id"] and "#T1</b>" in p["text"]
    )
    assert "900101300123" in card_text  # the operator answering needs what the voter wrote

    mark = await operator_says(harness, operator, "/stats")
    _, stats = await harness.server.wait_for(
        lambda c: c[0] == "sendMessage" and "Сегодня" in c[1]["text"], after=mark
    )
    assert "[IIN]" in stats["text"] and "900101300123" not in stats["text"]
    assert "dana@mail.kz" not in stats["text"] and "123-45-67" not in stats["text"]

    async with session_factory(harness.app.engine)() as session:
        exported = yaml.safe_load(await export_yaml(session))
    (item,) = exported["unanswered_questions"]
    assert item["question"] == mask_personal(PERSONAL) != PERSONAL


async def _fill(engine, days_ago: float) -> None:
    then = utcnow() - timedelta(days=days_ago)
    async with session_factory(engine)() as session:
        session.add(User(id=1))
        await session.flush()
        for n, status in enumerate(("closed", "open", "answered"), start=1):
            session.add(
                Ticket(
                    id=n,
                    user_id=1,
                    status=status,
                    lang="ru",
                    question="q",
                    first_name="D",
                    created_at=then,
                )
            )
            session.add(TicketLink(chat_id=-1001, message_id=n, ticket_id=n))
        question = Question(
            user_id=1, text="ИИН 900101300123", lang="ru", outcome="none", created_at=then
        )
        session.add(question)
        await session.flush()
        session.add(Feedback(question_id=question.id, user_id=1, faq_id="x", useful=False))
        for status in ("sent", "pending"):
            session.add(
                OutboxMessage(
                    chat_id=1,
                    method="sendMessage",
                    params={"text": "t"},
                    status=status,
                    created_at=then,
                )
            )
        await session.commit()


async def test_retention_forgets_old_words_and_keeps_active_tickets(database_url):
    engine = create_engine(database_url)
    await migrate(engine)
    await _fill(engine, days_ago=91)
    async with session_factory(engine)() as session:
        nothing = await forget_older_than(session, 92)
        assert (nothing.questions, nothing.tickets, nothing.sent_messages) == (0, 0, 0)
        forgotten = await forget_older_than(session, 90)
        await session.commit()
        assert (forgotten.questions, forgotten.tickets, forgotten.sent_messages) == (1, 2, 1)
        assert [t.status for t in await session.scalars(select(Ticket))] == ["open"]
        assert [link.ticket_id for link in await session.scalars(select(TicketLink))] == [2]
        assert (await session.scalars(select(Question))).all() == []
        assert [r.status for r in await session.scalars(select(OutboxMessage))] == ["pending"]
    await engine.dispose()


async def test_the_forget_command(database_url):
    engine = create_engine(database_url)
    await migrate(engine)
    await _fill(engine, days_ago=40)
    await engine.dispose()
    env = {**os.environ, "DATABASE_URL": database_url, "RETENTION_DAYS": "60"}
    env.pop("BOT_TOKEN", None)

    def forget(*args: str) -> str:
        run = subprocess.run(
            [sys.executable, "-m", "bot", "forget", *args],
            capture_output=True,
            text=True,
            timeout=60,
            env=env,
        )
        assert run.returncode == 0, run.stderr
        return run.stdout.strip()

    assert forget() == "older than 60 days: deleted 0 questions, 0 tickets, 0 sent messages"
    assert forget("--days", "30") == (
        "older than 30 days: deleted 1 questions, 2 tickets, 1 sent messages"
    )
