"""The outbox queue, the pacer and ticket lookup, without Telegram: order per chat, retries
holding a chat back, superseded card edits, Telegram's sending limits."""

from __future__ import annotations

from datetime import timedelta

import pytest

from bot.db.engine import create_engine, migrate, session_factory
from bot.db.models import utcnow
from bot.outbox import queue as outbox
from bot.outbox.pacing import Limits, Pacer

USER, OTHER, GROUP = 501, 502, -100500


@pytest.fixture
async def sessions(tmp_path):
    engine = create_engine(f"sqlite+aiosqlite:///{tmp_path / 'outbox.db'}")
    await migrate(engine)
    yield session_factory(engine)
    await engine.dispose()


async def test_only_each_chats_first_queued_message_is_due(sessions):
    box = outbox.Outbox()
    async with sessions() as session:
        first = box.send_message(session, USER, "one")
        box.send_message(session, USER, "two")
        other = box.send_message(session, OTHER, "hello")
        await session.commit()
        due = await outbox.due_messages(session, utcnow(), 100)
        assert [r.id for r in due] == [first.id, other.id]

        # The first message waits for a retry: the second one must not overtake it.
        await outbox.reschedule(session, first.id, utcnow() + timedelta(minutes=5), "429")
        await session.commit()
        due = await outbox.due_messages(session, utcnow(), 100)
        assert [r.id for r in due] == [other.id]
        assert await outbox.next_due_at(session) <= utcnow()  # OTHER's message is due now

        # While a chat's message is being sent, the next one waits too.
        await outbox.claim(session, other.id)
        await session.commit()
        assert await outbox.due_messages(session, utcnow(), 100) == []
        assert await outbox.next_due_at(session) > utcnow() + timedelta(minutes=4)


async def test_claim_is_exclusive_and_interrupted_rows_come_back(sessions):
    box = outbox.Outbox()
    async with sessions() as session:
        row = box.send_message(session, USER, "one")
        await session.commit()
        assert await outbox.claim(session, row.id) is True
        assert await outbox.claim(session, row.id) is False
        await session.commit()
        assert await outbox.release_interrupted(session) == 1
        await session.commit()
        assert [r.id for r in await outbox.due_messages(session, utcnow(), 10)] == [row.id]


async def test_an_older_card_edit_is_superseded_by_a_newer_one(sessions):
    box = outbox.Outbox()
    async with sessions() as session:
        old = box.call(session, "editMessageText", GROUP, "card_edit:7", text="open")
        new = box.call(session, "editMessageText", GROUP, "card_edit:7", text="taken")
        other_card = box.call(session, "editMessageText", GROUP, "card_edit:8", text="open")
        note = box.send_message(session, GROUP, "note", "note:7")
        later_note = box.send_message(session, GROUP, "note 2", "note:7")
        await session.commit()
        assert await outbox.superseded(session, old) is True
        assert await outbox.superseded(session, new) is False
        assert await outbox.superseded(session, other_card) is False
        assert await outbox.superseded(session, note) is False  # messages are never skipped
        assert await outbox.superseded(session, later_note) is False


async def test_card_edits_wait_while_the_group_has_messages_queued(sessions):
    box = outbox.Outbox()
    async with sessions() as session:
        edit = box.call(session, "editMessageText", GROUP, "card_edit:7", text="answered")
        card = box.send_message(session, GROUP, "new ticket", "card:8")
        await session.commit()
        assert [r.id for r in await outbox.due_messages(session, utcnow(), 10)] == [card.id]
        await outbox.mark_sent(session, card.id, 99)
        await session.commit()
        assert [r.id for r in await outbox.due_messages(session, utcnow(), 10)] == [edit.id]


def test_pacer_allows_a_short_burst_then_one_message_per_second_per_chat():
    pacer = Pacer(Limits(chat_interval=1.0, chat_burst=3))
    for _ in range(3):
        assert pacer.delay(USER, now=0.0) == 0
        pacer.record(USER, now=0.0)
    assert pacer.delay(USER, now=0.0) == pytest.approx(1.0)
    assert pacer.delay(OTHER, now=0.0) == 0  # other chats are not affected
    assert pacer.delay(USER, now=1.0) == 0


def test_pacer_keeps_a_group_within_its_per_minute_limit():
    pacer = Pacer(Limits(group_per_minute=20, window=60.0))
    for second in range(20):
        assert pacer.delay(GROUP, now=float(second)) == 0
        pacer.record(GROUP, now=float(second))
    assert pacer.delay(GROUP, now=20.0) == pytest.approx(40.0)  # the first one leaves at 60 s
    assert pacer.delay(GROUP, now=60.5) == 0


def test_pacer_keeps_the_global_rate_and_honours_retry_after():
    pacer = Pacer(Limits(global_per_second=30))
    for chat in range(30):
        pacer.record(1000 + chat, now=0.0)
    assert pacer.delay(USER, now=0.5) == pytest.approx(0.5)
    assert pacer.delay(USER, now=1.01) == 0
    pacer.pause(USER, 7, now=2.0)
    assert pacer.delay(USER, now=3.0) == pytest.approx(6.0)
    assert pacer.delay(OTHER, now=3.0) == 0


async def test_a_ticket_is_found_by_the_number_its_card_opens_with(sessions):
    from bot.desk.tickets import open_ticket, ticket_named_in
    from bot.services.users import touch_user

    async with sessions() as session:
        await touch_user(session, USER)
        ticket, _ = await open_ticket(session, USER, "ru", "?", [], "Dana", None)
        await session.commit()
        assert ticket.id == 1
        assert (await ticket_named_in(session, "🎫 #T1 · open\n👤 Dana · ru")).id == 1
        assert (await ticket_named_in(session, "➕ #T1: ещё вопрос")).id == 1
        assert await ticket_named_in(session, "Open tickets:\n#T1 · 5 min") is None
        assert await ticket_named_in(session, "🎫 #T2 · open") is None
