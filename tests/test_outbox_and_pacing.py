"""The outbox queue, the pacer and ticket lookup, without Telegram: order per chat, retries
holding a chat back, superseded card edits, Telegram's sending limits, typed purposes and the
hooks registry that reports deliveries to the feature that queued them."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from types import SimpleNamespace

import pytest
from alembic import command
from sqlalchemy import text

from bot.db.engine import alembic_config, create_engine, migrate, session_factory
from bot.db.models import OutboxMessage, utcnow
from bot.outbox import DeliveryHooks, HooksRegistry, Purpose
from bot.outbox import queue as outbox
from bot.outbox.pacing import Limits, Pacer
from bot.outbox.worker import GROUP_PARALLEL, DeliveryWorker, OperatorsChats

USER, OTHER, GROUP = 501, 502, -100500
EDIT_7, EDIT_8 = Purpose("desk", "card_edit", 7), Purpose("desk", "card_edit", 8)


@pytest.fixture
async def sessions(database_url):
    engine = create_engine(database_url)
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
        old = box.call(session, "editMessageText", GROUP, EDIT_7, text="open")
        new = box.call(session, "editMessageText", GROUP, EDIT_7, text="taken")
        other_card = box.call(session, "editMessageText", GROUP, EDIT_8, text="open")
        note = box.send_message(session, GROUP, "note", Purpose("desk", "note", 7))
        later_note = box.send_message(session, GROUP, "note 2", Purpose("desk", "note", 7))
        await session.commit()
        assert await outbox.superseded(session, old) is True
        assert await outbox.superseded(session, new) is False
        assert await outbox.superseded(session, other_card) is False
        assert await outbox.superseded(session, note) is False  # messages are never skipped
        assert await outbox.superseded(session, later_note) is False


async def test_card_edits_wait_while_the_group_has_messages_queued(sessions):
    box = outbox.Outbox()
    async with sessions() as session:
        edit = box.call(session, "editMessageText", GROUP, EDIT_7, text="answered")
        card = box.send_message(session, GROUP, "new ticket", Purpose("desk", "card", 8))
        await session.commit()
        assert [r.id for r in await outbox.due_messages(session, utcnow(), 10)] == [card.id]
        await outbox.mark_sent(session, card.id, 99)
        await session.commit()
        assert [r.id for r in await outbox.due_messages(session, utcnow(), 10)] == [edit.id]


async def test_a_groups_lanes_are_each_due_and_each_keeps_its_order(sessions):
    box = outbox.Outbox()
    async with sessions() as session:
        card_7 = box.send_message(session, GROUP, "card 7", lane=7)
        box.send_message(session, GROUP, "follow-up 7", lane=7)
        card_8 = box.send_message(session, GROUP, "card 8", lane=8)
        own = box.send_message(session, GROUP, "/stats reply")  # the chat's own lane, 0
        await session.commit()
        due = await outbox.due_messages(session, utcnow(), 10)
        assert [r.id for r in due] == [card_7.id, card_8.id, own.id]
        assert {r.lane for r in due} == {7, 8, 0}


async def test_the_worker_sends_several_lanes_of_a_group_at_once_one_per_lane(sessions):
    box = outbox.Outbox()
    async with sessions() as session:
        for ticket in (1, 2, 3, 4):
            box.send_message(session, GROUP, f"card {ticket}", lane=ticket)
            box.send_message(session, GROUP, f"follow-up {ticket}", lane=ticket)
        box.send_message(session, USER, "first")
        box.send_message(session, USER, "second")
        await session.commit()

    release, sending, done = asyncio.Event(), [], []

    async def telegram(method):
        sending.append(method.text)
        await release.wait()
        sending.remove(method.text)
        done.append(method.text)
        return SimpleNamespace(message_id=len(done))

    unlimited = Limits(chat_interval=0, group_per_minute=1000, global_per_second=1000)
    worker = DeliveryWorker(sessions, box, Pacer(unlimited), HooksRegistry(), OperatorsChats([]))
    await worker.start(telegram)
    try:
        for _ in range(200):
            if len(sending) == GROUP_PARALLEL + 1:
                break
            await asyncio.sleep(0.01)
        await asyncio.sleep(0.05)  # would a fifth start?
        # as many of the group's as it may take, each of its own ticket; the user's first
        group = sorted(text for text in sending if text != "first")
        assert group == [f"card {n}" for n in range(1, GROUP_PARALLEL + 1)]
        assert "first" in sending and len(sending) == GROUP_PARALLEL + 1
        release.set()
        await worker.idle(timeout=5)
    finally:
        await worker.stop()
    assert len(done) == 10
    for ticket in (1, 2, 3, 4):
        assert done.index(f"card {ticket}") < done.index(f"follow-up {ticket}")
    assert done.index("first") < done.index("second")


async def test_a_stop_gives_back_the_rows_whose_sends_it_cut_short(sessions):
    """A send Telegram has not answered when the drain time is up is cut off, and its row is
    pending again at once: another instance, or the next start, sends it. Left as 'sending',
    nobody but a restart of this same database would pick it up."""
    box = outbox.Outbox()
    async with sessions() as session:
        box.send_message(session, USER, "unanswered")
        box.send_message(session, OTHER, "answered")
        await session.commit()
    hanging = asyncio.Event()

    async def telegram(method):
        if method.text == "unanswered":
            hanging.set()
            await asyncio.Event().wait()  # Telegram never answers
        return SimpleNamespace(message_id=1)

    unlimited = Limits(chat_interval=0, group_per_minute=1000, global_per_second=1000)
    worker = DeliveryWorker(sessions, box, Pacer(unlimited), HooksRegistry(), OperatorsChats([]))
    await worker.start(telegram)
    await asyncio.wait_for(hanging.wait(), 5)
    await worker.stop(drain_seconds=0.3)
    async with sessions() as session:
        rows = (await session.execute(text("SELECT chat_id, status FROM outbox"))).all()
    assert dict(rows) == {USER: "pending", OTHER: "sent"}


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
        ticket, _ = await open_ticket(session, USER, "ru", None, "?", [], "Dana", None)
        await session.commit()
        assert ticket.id == 1
        assert (await ticket_named_in(session, "🎫 #T1 · open\n👤 Dana · ru")).id == 1
        assert (await ticket_named_in(session, "➕ #T1: ещё вопрос")).id == 1
        assert await ticket_named_in(session, "Open tickets:\n#T1 · 5 min") is None
        assert await ticket_named_in(session, "🎫 #T2 · open") is None


def test_a_purpose_is_stored_as_text_and_read_back():
    purpose = Purpose("desk", "card", 12)
    assert str(purpose) == "desk.card:12"
    assert Purpose.parse("desk.card:12") == purpose
    assert Purpose.parse("quiz.poll:3") == Purpose("quiz", "poll", 3)
    for stored in (None, "", "card:12", "desk.card:", "desk.card:12:1", "Desk.card:1"):
        assert Purpose.parse(stored) is None
    with pytest.raises(ValueError):
        Purpose("desk", "card:1", 2)  # would not read back as itself


class _Recorder(DeliveryHooks):
    def __init__(self) -> None:
        self.heard: list[tuple[str, Purpose]] = []

    async def on_sent(self, session, row, purpose, result) -> None:
        self.heard.append(("sent", purpose))

    async def on_blocked(self, session, row, purpose) -> None:
        self.heard.append(("blocked", purpose))


async def test_the_registry_reports_each_row_to_the_feature_its_purpose_names():
    desk, quiz = _Recorder(), _Recorder()
    hooks = HooksRegistry()
    hooks.register("desk", desk)
    hooks.register("quiz", quiz)
    with pytest.raises(ValueError):
        hooks.register("desk", _Recorder())

    def row(purpose: str | None) -> OutboxMessage:
        return OutboxMessage(chat_id=USER, method="sendMessage", params={}, purpose=purpose)

    await hooks.on_sent(None, row("desk.card:1"), result=None)
    await hooks.on_sent(None, row("quiz.poll:2"), result=None)
    await hooks.on_blocked(None, row("quiz.poll:3"))
    for unknown in (None, "card:1", "stats.report:4"):  # no purpose, an old form, no feature
        await hooks.on_sent(None, row(unknown), result=None)
    assert desk.heard == [("sent", Purpose("desk", "card", 1))]
    assert quiz.heard == [
        ("sent", Purpose("quiz", "poll", 2)),
        ("blocked", Purpose("quiz", "poll", 3)),
    ]
    # A hook that does not repair a refused row leaves it to be logged.
    assert await hooks.on_bad_request(None, row("desk.card:1"), error=None) is False


async def test_migration_gives_the_desks_old_purposes_their_feature(database_url):
    engine = create_engine(database_url)

    def upgrade_to(revision: str):
        def run(connection) -> None:
            config = alembic_config()
            config.attributes["connection"] = connection
            command.upgrade(config, revision)

        return run

    async with engine.begin() as connection:
        await connection.run_sync(upgrade_to("0003"))
        for purpose in ("card:7", "user:7", None):
            await connection.execute(
                text(
                    "INSERT INTO outbox (chat_id, method, params, purpose, status, attempts, "
                    "next_attempt_at, created_at) VALUES (1, 'sendMessage', '{}', :purpose, "
                    "'pending', 0, CURRENT_TIMESTAMP, CURRENT_TIMESTAMP)"
                ),
                {"purpose": purpose},
            )
    await migrate(engine)
    async with engine.connect() as connection:
        rows = await connection.execute(text("SELECT purpose FROM outbox ORDER BY id"))
        assert [r[0] for r in rows] == ["desk.card:7", "desk.user:7", None]
    await engine.dispose()
