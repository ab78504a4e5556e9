"""Several instances on one PostgreSQL database and one Redis: a row being sent is given back
only when its sender is gone, and then sent once, by another instance; a ticket's reminder is
raised once, whichever instance looks; flood control counts a user's messages wherever they
arrive; and one update of a user at a time, on whichever instance."""

from __future__ import annotations

import asyncio
import contextlib
from datetime import timedelta
from types import SimpleNamespace

import pytest
from aiogram.fsm.storage.base import StorageKey
from redis.asyncio import Redis
from sqlalchemy import text

from bot.db.engine import create_engine, migrate, session_factory
from bot.db.models import Ticket, User, utcnow
from bot.db.redis import connect_redis
from bot.desk import tickets
from bot.middlewares.flood_control import RedisFloodControl, Verdict
from bot.middlewares.isolation import SharedEventIsolation
from bot.outbox import HooksRegistry, OperatorsChats
from bot.outbox import queue as outbox
from bot.outbox.instances import KEY, RedisInstances, SoleInstance
from bot.outbox.pacing import Limits, Pacer
from bot.outbox.worker import DeliveryWorker
from tests.conftest import eventually, running_bot

VOTER = 501
UNLIMITED = Limits(chat_interval=0, group_per_minute=1000, global_per_second=1000)


@pytest.fixture
async def shared(postgres, redis_service):
    """The database and the Redis that the instances share."""
    engine = create_engine(postgres.new_database())
    await migrate(engine)
    redis = connect_redis(redis_service.new_url())
    yield session_factory(engine), redis
    await redis.aclose()
    await engine.dispose()


def worker(sessions, instances, sweep_every: float = 0.1) -> DeliveryWorker:
    box = outbox.Outbox()
    return DeliveryWorker(
        sessions,
        box,
        Pacer(UNLIMITED),
        HooksRegistry(),
        OperatorsChats([]),
        instances=instances,
        sweep_every=sweep_every,
    )


async def claimed(sessions) -> list[tuple[str, str | None]]:
    async with sessions() as session:
        rows = await session.execute(text("SELECT status, claimed_by FROM outbox"))
        return [tuple(row) for row in rows]


async def test_a_live_instances_send_is_left_alone_and_a_dead_ones_goes_again_once(shared):
    sessions, redis = shared
    async with sessions() as session:
        outbox.Outbox().send_message(session, VOTER, "when is the election?")
        await session.commit()

    hung = asyncio.Event()

    async def telegram_that_hangs(method):
        hung.set()
        await asyncio.Event().wait()

    sent: list[str] = []

    async def telegram(method):
        sent.append(method.text)
        return SimpleNamespace(message_id=len(sent))

    first_instance = RedisInstances(redis, ttl=0.6)
    first = worker(sessions, first_instance)
    await first.start(telegram_that_hangs)
    await asyncio.wait_for(hung.wait(), 5)
    assert await claimed(sessions) == [("sending", first_instance.id)]

    second_instance = RedisInstances(redis, ttl=0.6)
    second = worker(sessions, second_instance)
    await second.start(telegram)  # its start-up looks at the claims: the first is alive
    try:
        await asyncio.sleep(1.0)  # longer than the ttl: the first keeps its key alive
        assert sent == [] and await claimed(sessions) == [("sending", first_instance.id)]

        # The first instance dies: no stop, no release, its liveness lapses.
        first._loop_task.cancel()
        first_instance._beating.cancel()
        for task in (first._loop_task, first_instance._beating):
            with contextlib.suppress(asyncio.CancelledError):
                await task

        async def sent_by_the_second():
            return sent

        await eventually(sent_by_the_second, "the dead instance's row sent by the other", 10)
        await asyncio.sleep(0.5)  # would it go twice?
        assert sent == ["when is the election?"]
        assert await claimed(sessions) == [("sent", second_instance.id)]
    finally:
        await second.stop()
        for task in list(first._tasks):
            task.cancel()
    assert await redis.exists(KEY + second_instance.id) == 0  # a stop says so at once


async def test_who_is_taken_for_dead(redis_service):
    redis = connect_redis(redis_service.new_url())
    alive = RedisInstances(redis)
    await alive.start()
    looking = RedisInstances(redis)
    try:
        assert await looking.dead({alive.id, "gone", None}) == {"gone", None}
    finally:
        await alive.stop()
    assert await looking.dead({alive.id}) == {alive.id}  # a stop takes its key at once
    await redis.aclose()
    # Redis not answering: nobody is dead, so no row a live instance sends goes twice.
    deaf = RedisInstances(connect_redis("redis://127.0.0.1:1/0"))
    assert await deaf.dead({"gone", None}) == set()
    # Alone, every other claimant is a process that ran before this one.
    sole = SoleInstance()
    assert await sole.dead({sole.id, "before", None}) == {"before", None}


async def test_the_bot_with_redis_answers_and_says_it_is_alive_while_it_runs(
    tmp_path, postgres, redis_service
):
    url = redis_service.new_url()
    redis = Redis.from_url(url)
    async with running_bot(tmp_path, database_url=postgres.new_database(), redis_url=url) as h:
        reply = await h.say(h.user(502, language_code="en"), "When is the election?")
        assert "2023" in reply["text"]
        assert await redis.exists(KEY + h.app.delivery.instances.id) == 1
        assert isinstance(h.app.dispatcher.fsm.events_isolation, SharedEventIsolation)
    assert await redis.keys(KEY + "*") == []
    await redis.aclose()


async def test_instances_reminding_at_once_raise_each_ticket_once(shared):
    sessions, _ = shared
    long_ago = utcnow() - timedelta(minutes=30)
    async with sessions() as session:
        session.add(User(id=VOTER))
        await session.flush()
        for n in range(3):
            session.add(
                Ticket(
                    user_id=VOTER,
                    status="open",
                    lang="ru",
                    chat_id=-100500,
                    question=f"q{n}",
                    first_name="Aliya",
                    created_at=long_ago,
                )
            )
        await session.commit()
    after = timedelta(minutes=10)
    async with sessions() as first, sessions() as second:
        reminding = await tickets.due_reminders(first, after)
        assert len(reminding) == 3
        looking = asyncio.create_task(tickets.due_reminders(second, after))
        await asyncio.sleep(0.3)
        assert not looking.done()  # waits for the first, which is reminding of them
        for ticket in reminding:
            ticket.reminded_at = utcnow()
        await first.commit()
        assert await asyncio.wait_for(looking, 5) == []  # as the first left them: reminded


async def test_flood_control_is_one_window_across_instances(redis_service, caplog):
    redis = connect_redis(redis_service.new_url())
    first, second = (RedisFloodControl(redis, limit=3, seconds=0.5) for _ in range(2))
    verdicts = [await (first, second)[n % 2].judge(7) for n in range(6)]
    assert verdicts == [Verdict.ALLOW] * 3 + [Verdict.WARN, Verdict.DROP, Verdict.DROP]
    assert await second.judge(8) is Verdict.ALLOW  # another user is not affected
    await asyncio.sleep(0.6)
    assert await first.judge(7) is Verdict.ALLOW  # after the window the user is back
    await redis.aclose()
    deaf = RedisFloodControl(connect_redis("redis://127.0.0.1:1/0"), limit=1, seconds=1)
    assert [await deaf.judge(7) for _ in range(3)] == [Verdict.ALLOW] * 3
    said = [r.getMessage() for r in caplog.records if "Redis did not answer" in r.getMessage()]
    assert len(said) == 1  # once for the outage, not a line per message


async def test_a_users_updates_are_handled_one_at_a_time_across_instances(redis_service):
    redis = connect_redis(redis_service.new_url())
    first, second = SharedEventIsolation(redis), SharedEventIsolation(redis)
    key = StorageKey(bot_id=1, chat_id=VOTER, user_id=VOTER)
    other = StorageKey(bot_id=1, chat_id=502, user_id=502)
    order: list[str] = []

    async def handle(isolation, name: str, key: StorageKey, hold: float = 0.0) -> None:
        async with isolation.lock(key):
            order.append(f"{name} starts")
            await asyncio.sleep(hold)
            order.append(f"{name} ends")

    held = asyncio.create_task(handle(first, "first", key, hold=0.4))
    await asyncio.sleep(0.05)
    await handle(second, "another user", other)  # not held up by the first
    await asyncio.gather(held, handle(second, "second", key))
    assert order == [
        "first starts",
        "another user starts",
        "another user ends",
        "first ends",
        "second starts",
        "second ends",
    ]
    await redis.aclose()
    deaf = SharedEventIsolation(connect_redis("redis://127.0.0.1:1/0"))
    await asyncio.wait_for(handle(deaf, "unlocked", key), 5)  # handled, not refused
    assert order[-1] == "unlocked ends"
